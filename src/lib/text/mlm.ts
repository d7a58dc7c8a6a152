/** The masked-language model's logits turned into what the widget lists under each [MASK]: probabilities
 * over the vocabulary (a softmax of one row of the [masked, V] logits) and the k most likely tokens. */

/** Probabilities of `logits[offset … offset + length)`, one row of a row-major [rows, length] tensor.
 * Stable: the row's largest logit is subtracted before exponentiating, and the sum is taken in float64. */
export function softmax(logits: ArrayLike<number>, offset = 0, length = logits.length - offset): Float64Array {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1 || offset + length > logits.length) {
    throw new RangeError(`softmax: row [${offset}, ${offset + length}) does not lie within ${logits.length} logits`);
  }
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, logits[offset + i]!);
  if (!Number.isFinite(max)) throw new RangeError(`softmax: the row's largest logit is ${max}`);
  const out = new Float64Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += out[i] = Math.exp(logits[offset + i]! - max);
  for (let i = 0; i < length; i++) out[i] = out[i]! / sum;
  return out;
}

export interface Ranked {
  id: number;
  p: number;
}

/** The k largest entries of `probs` (NaNs left out), largest first; equal values in order of id, so the
 * list is deterministic. One pass, O(V·k): k is a handful, V the vocabulary. */
export function topK(probs: ArrayLike<number>, k: number): Ranked[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a whole number ≥ 0, not ${k}`);
  const best: Ranked[] = [];
  if (k === 0) return best;
  for (let id = 0; id < probs.length; id++) {
    const p = probs[id]!;
    if (Number.isNaN(p)) continue;
    // A strictly larger value displaces; an equal one keeps the lower id ahead of it.
    if (best.length === k && !(p > best[k - 1]!.p)) continue;
    let at = best.length;
    while (at > 0 && p > best[at - 1]!.p) at--;
    best.splice(at, 0, { id, p });
    if (best.length > k) best.pop();
  }
  return best;
}
