/**
 * Reading a Transformer's attention weights, stored (heads, tokens, tokens) per layer as
 * [head][query][key], each query's row a softmax that sums to 1. Token 0 is the class token; the keys a
 * picture can show are the patches, tokens 1…tokens−1. Knows nothing of models.
 */

function checkTokens(tokens: number): void {
  if (!Number.isInteger(tokens) || tokens < 2) throw new Error(`tokens must be an integer of at least 2 (class token and a patch), not ${tokens}`);
}

function checkIndex(value: number, count: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= count) throw new RangeError(`${what} ${value} is not in 0..${count - 1}`);
}

/** Heads in a (heads, tokens, tokens) block, checked against its length so a wrong shape cannot slip by. */
function checkBlock(weights: ArrayLike<number>, heads: number, tokens: number, what: string): void {
  checkTokens(tokens);
  if (!Number.isInteger(heads) || heads < 1) throw new Error(`heads must be a positive integer, not ${heads}`);
  if (weights.length !== heads * tokens * tokens) {
    throw new Error(`${what}: ${weights.length} weights, ${heads} heads of ${tokens}×${tokens} need ${heads * tokens * tokens}`);
  }
}

/** The heads' average: what one layer does as a whole, the first step of rollout. */
export function headMean(weights: ArrayLike<number>, heads: number, tokens: number): Float32Array {
  checkBlock(weights, heads, tokens, 'headMean');
  const n = tokens * tokens;
  const sum = new Float64Array(n);
  for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) sum[i] = sum[i]! + weights[h * n + i]!;
  return Float32Array.from(sum, (v) => v / heads);
}

/**
 * Attention rollout (Abnar & Zuidema, 2020, as ViT's appendix uses it): how much each token's final state
 * draws on each input token, through every layer given. A layer's attention alone ignores the residual
 * connection, so each layer is A = mean over heads, Â = ½A + ½I with rows renormalised to sum 1, and
 * R = Â_L ⋯ Â_1 (the first layer applied first). Rollout through layer k is
 * attentionRollout(layers.slice(0, k), …); no layers gives the identity. Float64 inside; tokens × tokens.
 */
export function attentionRollout(layers: ArrayLike<number>[], heads: number, tokens: number): Float32Array {
  checkTokens(tokens);
  const n = tokens;
  let rollout = new Float64Array(n * n);
  for (let i = 0; i < n; i++) rollout[i * n + i] = 1;
  layers.forEach((weights, layer) => {
    checkBlock(weights, heads, tokens, `attentionRollout, layer ${layer + 1}`);
    const mixed = new Float64Array(n * n);
    for (let h = 0; h < heads; h++) for (let i = 0; i < n * n; i++) mixed[i] = mixed[i]! + weights[h * n * n + i]! / heads;
    for (let q = 0; q < n; q++) {
      let total = 0;
      for (let k = 0; k < n; k++) {
        const v = 0.5 * mixed[q * n + k]! + (q === k ? 0.5 : 0);
        mixed[q * n + k] = v;
        total += v;
      }
      if (!(total > 0)) throw new Error(`attentionRollout, layer ${layer + 1}: query ${q}'s row sums to ${total}`);
      for (let k = 0; k < n; k++) mixed[q * n + k] = mixed[q * n + k]! / total;
    }
    // R_k = Â_k · R_{k−1}
    const next = new Float64Array(n * n);
    for (let q = 0; q < n; q++) {
      for (let m = 0; m < n; m++) {
        const a = mixed[q * n + m]!;
        if (a === 0) continue;
        for (let k = 0; k < n; k++) next[q * n + k] = next[q * n + k]! + a * rollout[m * n + k]!;
      }
    }
    rollout = next;
  });
  return Float32Array.from(rollout);
}

/** Row `query` of a tokens × tokens matrix over the patch keys only (1…tokens−1): what an overlay draws. */
export function queryRow(matrix: ArrayLike<number>, tokens: number, query: number): Float32Array {
  checkTokens(tokens);
  if (matrix.length !== tokens * tokens) throw new Error(`queryRow: ${matrix.length} values, a ${tokens}×${tokens} matrix has ${tokens * tokens}`);
  checkIndex(query, tokens, 'query');
  const out = new Float32Array(tokens - 1);
  for (let k = 1; k < tokens; k++) out[k - 1] = matrix[query * tokens + k]!;
  return out;
}

/** The same row for one head of a (heads, tokens, tokens) block; the head count follows from its length. */
export function headRow(weights: ArrayLike<number>, head: number, tokens: number, query: number): Float32Array {
  checkTokens(tokens);
  const n = tokens * tokens;
  if (weights.length === 0 || weights.length % n) throw new Error(`headRow: ${weights.length} weights is not a whole number of ${tokens}×${tokens} heads`);
  checkIndex(head, weights.length / n, 'head');
  checkIndex(query, tokens, 'query');
  const out = new Float32Array(tokens - 1);
  const row = head * n + query * tokens;
  for (let k = 1; k < tokens; k++) out[k - 1] = weights[row + k]!;
  return out;
}
