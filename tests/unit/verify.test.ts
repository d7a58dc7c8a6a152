/** The "Check against PyTorch" comparison on a golden file built here by hand: float16 decoding against
 * Node's own Float16Array, whole tensors and stored points, and the failures it must not miss — one border
 * element, an absmax that moved where no point is stored, the mean, the shape. And the shipped goldens
 * store what the comparison relies on. */
import { describe, expect, it } from 'vitest';
import { graphOf } from '../../src/lib/card';
import { TOLERANCE, checkCase, compareOutput, decodeFloat16, feedsOf, halfToNumber, parseGolden, type GoldenCase } from '../../src/lib/verify/golden';
import { loadModel, modelDirs } from './models';

const b64 = (bytes: ArrayBufferView) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const f16 = (values: ArrayLike<number>) => b64(Float16Array.from(values));
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const absmax = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

/** Stored points as the export chooses them: every border element of every channel, plus evenly spaced
 * indices, up to `count` in all. */
function points(shape: number[], count: number): number[] {
  const [h, w] = shape.slice(-2) as [number, number];
  const channels = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const chosen = new Set<number>();
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (y === 0 || x === 0 || y === h - 1 || x === w - 1) chosen.add((c * h + y) * w + x);
    }
  }
  const n = channels * h * w;
  for (let k = 0; k < count; k++) chosen.add(Math.floor((k * n) / count));
  return [...chosen].sort((a, b) => a - b);
}

// A reference tensor too large to store whole: 3 channels of 80×80 = 19,200 elements, values in [-1, 1].
const mapShape = [1, 3, 80, 80];
const reference = Float32Array.from({ length: 19_200 }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.011));
const stored = points(mapShape, 1024);
const probs = Float32Array.from([0.01, 0.02, 0.9, 0.03, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005]);

const goldenCase: GoldenCase = {
  sample: 'test-0',
  graph: 'model',
  inputs: { image: { dtype: 'float32', shape: [1, 2], data: b64(Float32Array.from([0.5, -2])) } },
  outputs: {
    probs: { shape: [1, 10], mean: mean(probs), absmax: absmax(probs), data: f16(probs) },
    maps: {
      shape: mapShape, mean: mean(reference), absmax: absmax(reference),
      idx: b64(Int32Array.from(stored)), val: f16(stored.map((i) => reference[i]!)),
    },
  },
};
const golden = { format: 2, cases: [goldenCase] };
const tensor = (dims: number[], data: Float32Array) => ({ dims, data });

describe('float16', () => {
  it('decodes every one of the 65,536 bit patterns as Float16Array does', () => {
    const bits = Uint16Array.from({ length: 65_536 }, (_, i) => i);
    const reference = new Float16Array(bits.buffer);
    for (let i = 0; i < bits.length; i++) {
      const mine = halfToNumber(i);
      if (Number.isNaN(reference[i]!)) expect(mine, `0x${i.toString(16)}`).toBeNaN();
      else expect(Object.is(mine, reference[i]), `0x${i.toString(16)}: ${mine} vs ${reference[i]}`).toBe(true);
    }
  });

  it('decodes known values from little-endian base64', () => {
    // 1, -2, 65504 (largest), 2^-24 (smallest subnormal), -0, +inf, 1/3 rounded to 0x3555
    const halves = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555]);
    const decoded = decodeFloat16(b64(halves));
    expect(Array.from(decoded.slice(0, 4))).toEqual([1, -2, 65504, 2 ** -24]);
    expect(Object.is(decoded[4], -0)).toBe(true);
    expect(decoded[5]).toBe(Infinity);
    expect(decoded[6]).toBeCloseTo(1 / 3, 3);
    expect(Math.abs(decoded[6]! - 1 / 3)).toBeLessThan(2 ** -11 / 3);
  });
});

describe('golden format 2', () => {
  it('parses a format-2 file and refuses the old format, naming why', () => {
    expect(parseGolden(golden).cases[0]!.graph).toBe('model');
    expect(() => parseGolden({ tolerance: { atol: 1, rtol: 1 }, cases: [] })).toThrow(/format/);
    const noValues = { ...golden, cases: [{ ...goldenCase, outputs: { maps: { shape: [1], mean: 0, absmax: 0, idx: 'AAAA' } } }] };
    expect(() => parseGolden(noValues)).toThrow(/cases\.0\.outputs\.maps.*either data, or idx and val/);
  });

  it('gives the stored inputs back exactly, in their own dtype', () => {
    const ints = BigInt64Array.from([3n, -1n, 9_007_199_254_740_993n]);
    const feeds = feedsOf({
      ...goldenCase,
      inputs: {
        ...goldenCase.inputs,
        tokens: { dtype: 'int64', shape: [1, 3], data: b64(ints) },
        mask: { dtype: 'bool', shape: [2], data: b64(Uint8Array.from([1, 0])) },
      },
    });
    expect(feeds.image).toEqual({ dtype: 'float32', dims: [1, 2], data: Float32Array.from([0.5, -2]) });
    expect(feeds.tokens!.data).toEqual(ints);
    expect(feeds.mask!.data).toEqual(Uint8Array.from([1, 0]));
    const short = { ...goldenCase, inputs: { image: { dtype: 'float32' as const, shape: [1, 3], data: b64(Float32Array.from([1, 2])) } } };
    expect(() => feedsOf(short)).toThrow(/input image has 8 bytes/);
  });
});

describe('compareOutput', () => {
  it('passes the reference itself, whole and by points', () => {
    const checks = checkCase(goldenCase, { probs: tensor([1, 10], probs), maps: tensor(mapShape, reference) });
    expect(checks.map((c) => [c.output, c.ok, c.checked])).toEqual([['probs', true, 10], ['maps', true, stored.length]]);
    // float16 storage: the remaining differences are its rounding, far inside the tolerance.
    for (const c of checks) expect(c.maxAbs).toBeLessThan(2 ** -11);
    expect(stored.length).toBeGreaterThanOrEqual(1024);
  });

  it('uses the stated tolerance: just inside passes, just outside fails', () => {
    const b = probs[2]!; // PyTorch's 0.9, stored as float16
    const stored16 = Float16Array.from([b])[0]!;
    const limit = TOLERANCE.atol + TOLERANCE.rtol * Math.abs(stored16);
    for (const [factor, ok] of [[0.9, true], [1.1, false]] as const) {
      const moved = probs.slice();
      moved[2] = stored16 + factor * limit;
      const check = compareOutput('probs', tensor([1, 10], moved), goldenCase.outputs.probs!);
      expect(check.ok, `factor ${factor}`).toBe(ok);
    }
  });

  it('fails a whole tensor that differs in one element', () => {
    const wrong = probs.slice();
    wrong[9] = 0.015; // 0.01 off in the last element
    const check = compareOutput('probs', tensor([1, 10], wrong), goldenCase.outputs.probs!);
    expect(check.ok).toBe(false);
    expect(check.failed).toContain('values');
  });

  it('fails a large tensor that differs at one border element of one channel', () => {
    // Last column of channel 2, row 37: a border element, so it is among the stored points.
    const at = (2 * 80 + 37) * 80 + 79;
    expect(stored).toContain(at);
    const wrong = reference.slice();
    wrong[at] = wrong[at]! + 0.01;
    const check = compareOutput('maps', tensor(mapShape, wrong), goldenCase.outputs.maps!);
    expect(check).toMatchObject({ ok: false, failed: ['values'] });
    expect(check.maxAbs).toBeCloseTo(0.01, 3);
  });

  it('fails an absmax that moved where no point is stored, even with the mean unchanged', () => {
    const unstored = [...Array(reference.length).keys()].filter((i) => !stored.includes(i));
    const i = unstored[500]!;
    const j = unstored.find((k) => k > i && reference[k]! > 0.5)!; // lowered by about 2.5, it stays below 3
    const wrong = reference.slice();
    const raise = 3 - wrong[i]!;
    wrong[i] = 3; // a new maximum
    wrong[j] = wrong[j]! - raise; // and the sum kept, so only the absmax tells
    expect(Math.abs(wrong[j]!)).toBeLessThan(3);
    const check = compareOutput('maps', tensor(mapShape, wrong), goldenCase.outputs.maps!);
    expect(check).toMatchObject({ ok: false, failed: ['absmax'] });
    expect(check.maxAbs).toBeLessThan(2 ** -11); // every stored point still agrees
  });

  it('fails a mean that moved where no point is stored', () => {
    // Small values only, so that the absmax stays where it was.
    const wrong = reference.map((v, i) => (stored.includes(i) || Math.abs(v) > 0.5 ? v : v + 0.01));
    expect(compareOutput('maps', tensor(mapShape, wrong), goldenCase.outputs.maps!).failed).toEqual(['mean']);
  });

  it('fails a wrong shape, a NaN and a missing output', () => {
    expect(compareOutput('probs', tensor([10], probs), goldenCase.outputs.probs!)).toMatchObject({ ok: false, failed: ['shape'] });
    const nan = probs.slice();
    nan[0] = NaN;
    expect(compareOutput('probs', tensor([1, 10], nan), goldenCase.outputs.probs!)).toMatchObject({ ok: false, maxAbs: Infinity });
    expect(checkCase(goldenCase, { probs: tensor([1, 10], probs) }).find((c) => c.output === 'maps')).toMatchObject({ ok: false });
  });
});

describe.each(modelDirs())('golden.json of %s', (dir) => {
  const { card, golden } = loadModel(dir);
  const parsed = parseGolden(golden);

  it('stores every output of the graph it names, whole up to 16,384 elements, otherwise every border element and ≥ 1,024 points', () => {
    for (const c of parsed.cases) {
      const graph = graphOf(card, c.graph);
      expect(Object.keys(c.outputs), c.sample).toEqual(graph.outputs.map((o) => o.name));
      expect(Object.keys(c.inputs), c.sample).toEqual(graph.inputs.map((i) => i.name));
      for (const [name, out] of Object.entries(c.outputs)) {
        const n = out.shape.reduce((a, b) => a * b, 1);
        if (n <= 16_384) {
          expect(out.data, `${c.sample} ${name}`).toBeDefined();
          continue;
        }
        const idx = new Set(new Int32Array(Buffer.from(out.idx!, 'base64').buffer.slice(0)));
        expect(idx.size, `${c.sample} ${name}`).toBeGreaterThanOrEqual(1024);
        const border = points(out.shape, 0);
        expect(border.filter((i) => !idx.has(i)), `${c.sample} ${name}: border elements not stored`).toEqual([]);
      }
    }
  });
});
