/** The widget's per-mask lists (src/lib/text/mlm.ts): softmax of one row of the [masked, V] logits, and the
 * top k, against answers worked out independently. */
import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../../src/lib/text/mlm';

describe('softmax of one row', () => {
  // e^k / (e^1 + e^2 + e^3), computed with Python's math.exp.
  const known = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];

  it('gives the known answer for [1, 2, 3]', () => {
    softmax([1, 2, 3]).forEach((p, i) => expect(p).toBeCloseTo(known[i]!, 15));
  });

  it('reads only its row of a row-major [rows, V] tensor', () => {
    const logits = Float32Array.from([9, 9, 9, 1, 2, 3, -5, 0, 5]);
    softmax(logits, 3, 3).forEach((p, i) => expect(p).toBeCloseTo(known[i]!, 7));
    expect(Array.from(softmax(logits, 0, 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('stays finite where exp would overflow or underflow', () => {
    softmax([1001, 1002, 1003]).forEach((p, i) => expect(p).toBeCloseTo(known[i]!, 12));
    softmax([-1e4 + 1, -1e4 + 2, -1e4 + 3]).forEach((p, i) => expect(p).toBeCloseTo(known[i]!, 12));
    expect(Array.from(softmax([0, -Infinity, 0]))).toEqual([0.5, 0, 0.5]);
  });

  it('refuses a row outside the tensor, or one with no finite maximum', () => {
    expect(() => softmax([1, 2, 3], 2, 2)).toThrow(RangeError);
    expect(() => softmax([1, 2, 3], 0, 0)).toThrow(RangeError);
    expect(() => softmax([NaN, NaN])).toThrow(/largest logit/);
  });
});

describe('top k', () => {
  it('lists the largest first, equal values by lower id', () => {
    expect(topK([0.1, 0.3, 0.3, 0.2, 0.1], 3)).toEqual([{ id: 1, p: 0.3 }, { id: 2, p: 0.3 }, { id: 3, p: 0.2 }]);
    expect(topK([0.25, 0.25, 0.25, 0.25], 2)).toEqual([{ id: 0, p: 0.25 }, { id: 1, p: 0.25 }]);
  });

  it('agrees with a full stable sort on random rows with many ties', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 200; trial++) {
      const probs = Array.from({ length: 50 }, () => Math.floor(random() * 8) / 8);
      const k = trial % 12;
      const sorted = probs.map((p, id) => ({ id, p })).sort((x, y) => y.p - x.p || x.id - y.id);
      expect(topK(probs, k)).toEqual(sorted.slice(0, k));
    }
  });

  it('returns all entries when k exceeds them, none for k = 0, and leaves NaN out', () => {
    expect(topK([0.2, 0.8], 5).map((r) => r.id)).toEqual([1, 0]);
    expect(topK([0.2, 0.8], 0)).toEqual([]);
    expect(topK([NaN, 0.1, NaN], 2)).toEqual([{ id: 1, p: 0.1 }]);
    expect(() => topK([1], -1)).toThrow(RangeError);
  });
});
