/** The ViT widget's maths (src/lib/vision) against torch: tests/fixtures/vit.json, written by
 * training/vit_fixture.py from the shipped model's samples and golden tensors, plus small cases worked by
 * hand. VIT_MODEL_DIR points it at another build (a smoke run) whose fixture was written with --model-dir. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { loadModel } from './models';
import { decodeFloat16, parseGolden } from '../../src/lib/verify/golden';
import { patchCell, patchGrid, patchIndexAt, patchify } from '../../src/lib/vision/patches';
import { attentionRollout, headMean, headRow, queryRow } from '../../src/lib/vision/attention';
import { cosineSimilarity } from '../../src/lib/vision/similarity';

const dir = process.env.VIT_MODEL_DIR ?? 'public/models/vit';
const model = loadModel(dir);
const golden = parseGolden(model.golden);
/** tests/fixtures/vit.json: arrays flat and row-major; class rows hold the patch keys 1…tokens−1. */
interface Fixture {
  golden_sha256: string;
  sample: string;
  size: number;
  patch: number;
  tokens: number;
  heads: number;
  depth: number;
  patches: number[];
  head_mean_class_rows: number[][];
  rollout: number[];
  rollout_class_row: number[];
  rollout_class_rows_through: number[];
  position_similarity: number[];
}
const fixture: Fixture = JSON.parse(readFileSync('tests/fixtures/vit.json', 'utf8'));
const { size, patch, tokens, heads, depth } = fixture;
const first = golden.cases[0]!;
/** A whole float16 output of the first golden case, decoded as the page's check decodes it. */
const stored = (name: string): Float32Array => {
  const entry = first.outputs[name];
  if (!entry?.data) throw new Error(`golden.json stores ${name} only at sample points`);
  return decodeFloat16(entry.data);
};
const attn = Array.from({ length: depth }, (_, i) => stored(`attn${i}`));

/** Largest |a − b|, after checking the lengths agree. */
function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let m = 0;
  for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(actual[i]! - expected[i]!));
  return m;
}

describe('the fixture belongs to the shipped model', () => {
  it("golden_sha256 is the card's hash of golden.json (else run training/vit_fixture.py again)", () => {
    expect(fixture.golden_sha256).toBe(model.card.files['golden.json']!.sha256);
    expect(createHash('sha256').update(readFileSync(join(dir, 'golden.json'))).digest('hex')).toBe(fixture.golden_sha256);
  });

  it('matches the card: sizes, and the sample of the first golden case', () => {
    const t = model.card.training as Record<string, unknown>;
    expect({ patch: t.patch, tokens: t.tokens, heads: t.heads, depth: t.depth }).toEqual({ patch, tokens, heads, depth });
    expect(model.samples.width).toBe(size);
    expect(fixture.sample).toBe(first.sample);
    expect(first.outputs.attn0!.shape).toEqual([1, heads, tokens, tokens]);
  });
});

describe('patches', () => {
  const grid = patchGrid(size, patch);

  it('patchGrid: 28 in 4 is 7 × 7 = 49; a patch that does not divide the image throws', () => {
    expect(patchGrid(28, 4)).toEqual({ size: 28, patch: 4, side: 7, count: 49 });
    expect(grid.count + 1).toBe(tokens);
    expect(() => patchGrid(28, 5)).toThrow(/does not divide/);
    expect(() => patchGrid(28, 0)).toThrow(/positive integer/);
    expect(() => patchGrid(28.5, 4)).toThrow(/positive integer/);
  });

  it("patchify gives torch's unfold patches of the sample, pixels / 255", () => {
    const sample = model.samples.samples.find((s) => s.id === fixture.sample)!;
    const pixels = Float32Array.from(Buffer.from(sample.pixels, 'base64'), (v) => v / 255);
    const got = patchify(pixels, grid);
    expect(got).toHaveLength(grid.count);
    got.forEach((p) => expect(p).toHaveLength(patch * patch));
    const flat = got.flatMap((p) => Array.from(p));
    expect(worst(flat, fixture.patches)).toBeLessThan(1e-6);
    expect(flat.some((v) => v > 0.5)).toBe(true); // not a blank image: the order is really tested
  });

  it('patchify orders patches row by row, each row-major (hand case)', () => {
    const g = patchGrid(4, 2);
    const pixels = Array.from({ length: 16 }, (_, i) => i);
    expect(patchify(pixels, g).map((p) => Array.from(p))).toEqual([[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]);
    expect(() => patchify(pixels.slice(1), g)).toThrow(/15 pixels/);
  });

  it('patchCell and patchIndexAt agree on every patch and pixel, edges included', () => {
    for (let i = 0; i < grid.count; i++) {
      const { row, col } = patchCell(i, grid);
      expect(patchIndexAt(col * patch, row * patch, grid)).toBe(i);                       // top-left pixel
      expect(patchIndexAt(col * patch + patch - 0.001, row * patch + patch - 0.001, grid)).toBe(i); // just inside bottom-right
    }
    expect(patchCell(0, grid)).toEqual({ row: 0, col: 0 });
    expect(patchCell(7, grid)).toEqual({ row: 1, col: 0 });
    expect(patchCell(48, grid)).toEqual({ row: 6, col: 6 });
    expect(patchIndexAt(27.99, 0, grid)).toBe(6);  // x is across
    expect(patchIndexAt(0, 27.99, grid)).toBe(42); // y is down
    expect(patchIndexAt(4, 0, grid)).toBe(1);      // a boundary belongs to the next patch
    for (const bad of [-1, 49, 1.5, NaN]) expect(() => patchCell(bad, grid)).toThrow(RangeError);
    for (const [x, y] of [[-0.1, 0], [28, 0], [0, 28], [NaN, 3], [3, Infinity]] as const) expect(() => patchIndexAt(x, y, grid)).toThrow(RangeError);
  });
});

describe('attention', () => {
  it('headMean averages the heads (hand case), and matches torch on the golden class rows', () => {
    // 2 heads of 2 × 2
    expect(Array.from(headMean([1, 0, 0.5, 0.5, 0, 1, 0.5, 0.5], 2, 2))).toEqual([0.5, 0.5, 0.5, 0.5]);
    attn.forEach((a, layer) => {
      const mean = headMean(a, heads, tokens);
      expect(worst(queryRow(mean, tokens, 0), fixture.head_mean_class_rows[layer]!)).toBeLessThan(1e-5);
    });
    expect(() => headMean(new Float32Array(99), 4, 5)).toThrow(/99 weights/);
  });

  it('rollout by hand: 2 tokens, 1 head', () => {
    // A = [[0.2, 0.8], [0.6, 0.4]] → Â = ½A + ½I = [[0.6, 0.4], [0.3, 0.7]] (rows already sum to 1)
    const a = [0.2, 0.8, 0.6, 0.4];
    const one = attentionRollout([a], 1, 2);
    [0.6, 0.4, 0.3, 0.7].forEach((v, i) => expect(one[i]).toBeCloseTo(v, 6));
    // Two layers: Â·Â = [[0.48, 0.52], [0.39, 0.61]]
    const two = attentionRollout([a, a], 1, 2);
    [0.48, 0.52, 0.39, 0.61].forEach((v, i) => expect(two[i]).toBeCloseTo(v, 6));
    // First layer applied first: Â₂·Â₁ with Â₁ from a and Â₂ from B = [[1, 0], [1, 0]] → [[1, 0], [0.5, 0.5]]
    // gives [[0.6, 0.4], [0.45, 0.55]]; the other order would give [[0.9, 0.1], [0.8, 0.2]].
    const ordered = attentionRollout([a, [1, 0, 1, 0]], 1, 2);
    [0.6, 0.4, 0.45, 0.55].forEach((v, i) => expect(ordered[i]).toBeCloseTo(v, 6));
    // Rows that do not quite sum to 1 (float16 storage) are renormalised after adding the identity.
    const scaled = attentionRollout([a.map((v) => v * 1.01)], 1, 2);
    expect(scaled[0]! + scaled[1]!).toBeCloseTo(1, 6);
    expect(Array.from(attentionRollout([], 1, 2))).toEqual([1, 0, 0, 1]);
  });

  it('rollout of the golden attention equals torch: the full matrix and the class row', () => {
    const r = attentionRollout(attn, heads, tokens);
    expect(worst(r, fixture.rollout)).toBeLessThan(1e-5);
    expect(worst(queryRow(r, tokens, 0), fixture.rollout_class_row)).toBeLessThan(1e-5);
    for (let q = 0; q < tokens; q++) {
      let s = 0;
      for (let k = 0; k < tokens; k++) s += r[q * tokens + k]!;
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('rollout through layer k (layers.slice(0, k)) equals torch for every k', () => {
    for (let k = 1; k <= depth; k++) {
      const row = queryRow(attentionRollout(attn.slice(0, k), heads, tokens), tokens, 0);
      const expected = fixture.rollout_class_rows_through.slice((k - 1) * (tokens - 1), k * (tokens - 1));
      expect(worst(row, expected)).toBeLessThan(1e-5);
    }
  });

  it('rollout rejects a layer of the wrong size', () => {
    expect(() => attentionRollout([attn[0]!, attn[1]!.subarray(1)], heads, tokens)).toThrow(/layer 2/);
    expect(() => attentionRollout(attn, heads + 1, tokens)).toThrow(/need/);
  });

  it('queryRow and headRow pick the patch keys of one query', () => {
    const m = Array.from({ length: 9 }, (_, i) => i); // 3 tokens
    expect(Array.from(queryRow(m, 3, 0))).toEqual([1, 2]);
    expect(Array.from(queryRow(m, 3, 2))).toEqual([7, 8]);
    const block = Array.from({ length: 18 }, (_, i) => i); // 2 heads of 3 tokens
    expect(Array.from(headRow(block, 1, 3, 1))).toEqual([13, 14]);
    const last = attn[depth - 1]!;
    const row = headRow(last, heads - 1, tokens, 5);
    expect(row).toHaveLength(tokens - 1);
    expect(row[0]).toBe(last[((heads - 1) * tokens + 5) * tokens + 1]);
    expect(() => queryRow(m, 3, 3)).toThrow(RangeError);
    expect(() => queryRow(m, 4, 0)).toThrow(/9 values/);
    expect(() => headRow(block, 2, 3, 0)).toThrow(RangeError);
    expect(() => headRow(block.slice(1), 0, 3, 0)).toThrow(/whole number/);
  });
});

describe('cosineSimilarity', () => {
  it('by hand: orthogonal, opposite, scaled, and a zero vector', () => {
    // (1, 0), (0, 2), (-3, 0), (1, 1), (0, 0)
    const s = cosineSimilarity([1, 0, 0, 2, -3, 0, 1, 1, 0, 0], 5, 2);
    const at = (i: number, j: number) => s[i * 5 + j]!;
    expect(at(0, 0)).toBeCloseTo(1, 6);
    expect(at(0, 1)).toBeCloseTo(0, 6);
    expect(at(0, 2)).toBeCloseTo(-1, 6);
    expect(at(1, 3)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(at(3, 1)).toBe(at(1, 3));
    expect(at(4, 4)).toBe(0);
    expect(() => cosineSimilarity([1, 2, 3], 2, 2)).toThrow(/3 values/);
  });

  it("equals torch's cosine_similarity of the patches' position embeddings", () => {
    const pos = stored('pos');
    const dim = Number(model.card.training.dim);
    expect(pos).toHaveLength(tokens * dim);
    const s = cosineSimilarity(pos.subarray(dim), tokens - 1, dim);
    expect(worst(s, fixture.position_similarity)).toBeLessThan(1e-5);
  });
});
