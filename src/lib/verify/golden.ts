/**
 * Golden tensors, format 2 (public/models/<slug>/golden.json, written by training/common at export):
 * for a few cases, the exact inputs PyTorch was given and what it computed. Whatever runs the model — WebGPU
 * or WASM in the page, onnxruntime-node in the unit tests — must reproduce every stored value, the mean and
 * the absolute maximum within TOLERANCE. Pure functions, so Node and the browser share them.
 */
import { z } from '../zod';
import { DTYPES } from '../card';
import { decodeBase64 } from '../input/samples';

/**
 * |actual − expected| ≤ atol + rtol · |expected|, for every stored value, the mean and the absmax.
 * The file states no tolerance: this constant is the one claim. rtol 2e-3 covers float16's rounding of the
 * stored values (2^-11 ≈ 4.9e-4 relative) with room for float32 reductions run in another order; atol 1e-4
 * covers values near zero, where float16 is exact enough and GPU convolutions differ by about 1e-5.
 */
export const TOLERANCE = { atol: 1e-4, rtol: 2e-3 } as const;
export type Tolerance = { atol: number; rtol: number };

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const shape = z.array(z.number().int().nonnegative());

const inputSchema = z.object({ dtype: z.enum(DTYPES), shape, data: base64 });

const outputSchema = z
  .object({
    shape,
    mean: z.number(),
    absmax: z.number().nonnegative(),
    data: base64.optional().describe('float16, every element, row-major'),
    idx: base64.optional().describe('int32 flat indices of the stored points'),
    val: base64.optional().describe('float16 values at idx'),
  })
  .refine((o) => (o.data === undefined) === (o.idx !== undefined && o.val !== undefined), 'needs either data, or idx and val');

const goldenSchema = z.object({
  format: z.literal(2),
  cases: z
    .array(
      z.object({
        sample: z.string().min(1),
        graph: z.string().min(1),
        inputs: z.record(z.string(), inputSchema),
        outputs: z.record(z.string(), outputSchema),
      }),
    )
    .min(1),
});

export type Golden = z.infer<typeof goldenSchema>;
export type GoldenCase = Golden['cases'][number];
export type GoldenInput = z.infer<typeof inputSchema>;
export type GoldenOutput = z.infer<typeof outputSchema>;

/** Validates parsed golden.json; throws naming the field that is wrong (an old format-1 file included). */
export function parseGolden(raw: unknown): Golden {
  const result = goldenSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new Error(`golden.json: ${result.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`);
}

/** IEEE 754 half precision (binary16) to a number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Little-endian float16 bytes (base64) as numbers. */
export function decodeFloat16(text: string): Float32Array {
  const bytes = decodeBase64(text);
  if (bytes.length % 2) throw new Error(`float16 data has an odd number of bytes (${bytes.length})`);
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfToNumber(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
  return out;
}

/** Little-endian int32 bytes (base64). The bytes are copied into a fresh, aligned buffer. */
function decodeInt32(text: string): Int32Array {
  const bytes = decodeBase64(text);
  if (bytes.length % 4) throw new Error(`int32 data has ${bytes.length} bytes, not a multiple of 4`);
  return new Int32Array(bytes.slice().buffer);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A stored input as a runtime feed: float32, int64, int32, or bool as one byte per element. */
export interface GoldenFeed {
  dtype: GoldenInput['dtype'];
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

export function feedsOf(c: GoldenCase): Record<string, GoldenFeed> {
  const feeds: Record<string, GoldenFeed> = {};
  for (const [name, input] of Object.entries(c.inputs)) {
    const bytes = decodeBase64(input.data).slice(); // own, aligned buffer
    const width = { float32: 4, int64: 8, int32: 4, bool: 1 }[input.dtype];
    if (bytes.length !== size(input.shape) * width) {
      throw new Error(`${c.sample}: input ${name} has ${bytes.length} bytes, ${input.dtype} ${JSON.stringify(input.shape)} needs ${size(input.shape) * width}`);
    }
    const data = {
      float32: () => new Float32Array(bytes.buffer),
      int64: () => new BigInt64Array(bytes.buffer),
      int32: () => new Int32Array(bytes.buffer),
      bool: () => bytes,
    }[input.dtype]();
    feeds[name] = { dtype: input.dtype, dims: [...input.shape], data };
  }
  return feeds;
}

export interface OutputCheck {
  output: string;
  /** Largest |actual − PyTorch| over the stored values (Infinity when the shape is wrong or a value is NaN). */
  maxAbs: number;
  /** How many stored values were compared. */
  checked: number;
  ok: boolean;
  /** What disagreed, empty when ok. */
  failed: ('shape' | 'values' | 'mean' | 'absmax')[];
}

/** Compares one output with PyTorch's: the same shape, then every stored value, the mean and the absmax. */
export function compareOutput(
  output: string,
  actual: { dims: readonly number[]; data: ArrayLike<number> },
  expected: GoldenOutput,
  tol: Tolerance = TOLERANCE,
): OutputCheck {
  const within = (a: number, b: number) => Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
  const n = size(expected.shape);
  const sameShape = actual.dims.length === expected.shape.length && actual.dims.every((d, i) => d === expected.shape[i]) && actual.data.length === n;
  if (!sameShape) return { output, maxAbs: Infinity, checked: 0, ok: false, failed: ['shape'] };

  let idx: ArrayLike<number>;
  let val: Float32Array;
  if (expected.data !== undefined) {
    val = decodeFloat16(expected.data);
    if (val.length !== n) throw new Error(`${output}: ${val.length} stored values for ${n} elements`);
    idx = { length: n } as ArrayLike<number>; // identity: element i is value i
  } else {
    idx = decodeInt32(expected.idx!);
    val = decodeFloat16(expected.val!);
    if (idx.length !== val.length) throw new Error(`${output}: ${idx.length} indices but ${val.length} values`);
  }
  const whole = expected.data !== undefined;
  const failed: OutputCheck['failed'] = [];
  let maxAbs = 0;
  let valuesOk = true;
  for (let k = 0; k < val.length; k++) {
    const at = whole ? k : idx[k]!;
    if (!(at >= 0 && at < n)) throw new Error(`${output}: stored index ${at} outside ${n} elements`);
    const a = actual.data[at]!;
    const diff = Math.abs(a - val[k]!);
    maxAbs = Math.max(maxAbs, Number.isNaN(diff) ? Infinity : diff);
    if (!within(a, val[k]!)) valuesOk = false;
  }
  if (!valuesOk) failed.push('values');

  let sum = 0;
  let absmax = 0;
  for (let i = 0; i < n; i++) {
    const v = actual.data[i]!;
    sum += v;
    absmax = Math.max(absmax, Math.abs(v));
  }
  if (!within(sum / n, expected.mean)) failed.push('mean');
  if (!within(absmax, expected.absmax)) failed.push('absmax');
  return { output, maxAbs, checked: val.length, ok: failed.length === 0, failed };
}

/** Every output the case stores, compared with what a runtime computed from the case's inputs. */
export function checkCase(
  c: GoldenCase,
  actual: Record<string, { dims: readonly number[]; data: ArrayLike<number> } | undefined>,
  tol: Tolerance = TOLERANCE,
): OutputCheck[] {
  return Object.entries(c.outputs).map(([name, expected]) => {
    const got = actual[name];
    return got ? compareOutput(name, got, expected, tol) : { output: name, maxAbs: Infinity, checked: 0, ok: false, failed: ['shape'] };
  });
}
