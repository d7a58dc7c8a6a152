/** Golden tensors: PyTorch's outputs for a few shipped samples, written at export time
 * (training/common/export.py `summarise`). Whatever runs the model — onnxruntime-node in the unit tests,
 * WebGPU or WASM in the browser — must reproduce them within the stated tolerance. */

export interface Fingerprint {
  shape: number[];
  mean: number;
  absmax: number;
  /** Flat indices and PyTorch's values there. */
  idx: number[];
  val: number[];
}
export interface GoldenCase {
  sample: string;
  outputs: Record<string, Fingerprint>;
}
export interface GoldenFile {
  tolerance: { atol: number; rtol: number };
  cases: GoldenCase[];
}

export interface Comparison {
  sample: string;
  output: string;
  maxAbs: number;
  ok: boolean;
}

/** Compares one output tensor with its fingerprint: same shape, every recorded value and the mean
 * within |a - b| <= atol + rtol * |b|. */
export function compareOutput(
  sample: string,
  output: string,
  actual: { dims: readonly number[]; data: ArrayLike<number> },
  expected: Fingerprint,
  tol: GoldenFile['tolerance'],
): Comparison {
  const within = (a: number, b: number) => Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b);
  const sameShape = actual.dims.length === expected.shape.length && actual.dims.every((d, i) => d === expected.shape[i]);
  let maxAbs = 0;
  let ok = sameShape && actual.data.length === expected.shape.reduce((a, b) => a * b, 1);
  if (ok) {
    expected.idx.forEach((flat, i) => {
      const diff = Math.abs((actual.data[flat] ?? NaN) - expected.val[i]!);
      maxAbs = Math.max(maxAbs, Number.isNaN(diff) ? Infinity : diff);
      if (!within(actual.data[flat] ?? NaN, expected.val[i]!)) ok = false;
    });
    let sum = 0;
    for (let i = 0; i < actual.data.length; i++) sum += actual.data[i]!;
    if (!within(sum / actual.data.length, expected.mean)) ok = false;
  } else {
    maxAbs = Infinity;
  }
  return { sample, output, maxAbs, ok };
}
