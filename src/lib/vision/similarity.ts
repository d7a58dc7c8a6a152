/**
 * Cosine similarity of every pair of vectors: how alike two learned embeddings are in direction whatever
 * their length — what ViT's Figure 7 shows for the position embeddings.
 */

/**
 * `n` vectors of `dim` values, row-major, in; their n × n cosine similarities out. Like
 * torch.nn.functional.cosine_similarity, the norm product is kept from below 1e-8, so a zero vector gives 0,
 * not NaN. Float64 inside.
 */
export function cosineSimilarity(vectors: ArrayLike<number>, n: number, dim: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`cosineSimilarity: n must be a positive integer, not ${n}`);
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`cosineSimilarity: dim must be a positive integer, not ${dim}`);
  if (vectors.length !== n * dim) throw new Error(`cosineSimilarity: ${vectors.length} values, ${n} vectors of ${dim} need ${n * dim}`);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[i * dim + d]! ** 2;
    norms[i] = Math.sqrt(s);
  }
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += vectors[i * dim + d]! * vectors[j * dim + d]!;
      const v = dot / Math.max(norms[i]! * norms[j]!, 1e-8);
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}
