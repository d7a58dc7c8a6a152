/**
 * Seeded noise for the diffusion widget: the same seed gives the same numbers in every browser and in Node.
 *
 * Uniform numbers come from mulberry32, a 32-bit generator small enough to read. Normal numbers come from
 * Marsaglia's polar method, which needs a logarithm and a square root. JavaScript's Math.sqrt is exactly
 * rounded everywhere, but Math.log is left to each engine and may differ in the last bit, so the logarithm
 * here is computed with + − × ÷ alone (exactly rounded by IEEE 754 in every engine, and JavaScript never
 * fuses them): the stream is bit for bit the same wherever it runs.
 *
 * Plain TypeScript with erasable types only: `npm run bench` imports it with Node's type stripping.
 */

/** A source of noise: each call returns the next `n` values of its stream. */
export type Draw = (n: number) => Float32Array;

/** mulberry32: uniform numbers in [0, 1), 32 bits each, from a 32-bit seed (any number; taken modulo 2^32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LN2 = 0.6931471805599453;
const SQRT2 = 1.4142135623730951;

/** Natural logarithm of a positive finite number, by + − × ÷ only (see the top of the file): x = m · 2^e with
 * m in [√½, √2), then ln m = 2 atanh(u) = 2 (u + u³/3 + u⁵/5 + …) with u = (m − 1)/(m + 1), |u| < 0.172, whose
 * terms fall below double precision after u²¹. Within a few units in the last place of Math.log. */
export function log(x: number): number {
  if (!(x > 0) || x === Infinity) throw new RangeError(`log needs a positive finite number, not ${x}`);
  let m = x;
  let e = 0;
  // Multiplying or dividing by 2 is exact, so m keeps every bit of x.
  while (m >= SQRT2) { m /= 2; e++; }
  while (m < SQRT2 / 2) { m *= 2; e--; }
  const u = (m - 1) / (m + 1);
  const u2 = u * u;
  let term = u;
  let sum = 0;
  for (let k = 1; k <= 23; k += 2) {
    sum += term / k;
    term *= u2;
  }
  return 2 * sum + e * LN2;
}

/**
 * Standard normal numbers from a seed: `gaussian(seed)` returns a Draw whose calls continue one stream,
 * so `draw(3)` then `draw(5)` gives the same eight numbers as `draw(8)`. Marsaglia's polar method: two
 * uniform numbers v₁, v₂ in (−1, 1) with s = v₁² + v₂² in (0, 1) (else drawn again) give the two
 * independent normal numbers v₁·√(−2 ln s / s) and v₂·√(−2 ln s / s). Values are rounded to float32.
 */
export function gaussian(seed: number): Draw {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  const next = (): number => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    let v1: number, v2: number, s: number;
    do {
      v1 = 2 * uniform() - 1;
      v2 = 2 * uniform() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * log(s)) / s);
    spare = v2 * scale;
    return v1 * scale;
  };
  return (n) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = next();
    return out;
  };
}

/**
 * One Draw for a batch of images, image k's values from sources[k]: a call for n values takes n / B from
 * each source in turn (B = sources.length) and lays them out image after image. With one seeded source per
 * image, an image's noise — its start and every later step's — is the same whether it is drawn alone or
 * in a batch, so "seed 7" means one picture.
 */
export function perImage(sources: Draw[]): Draw {
  return (n) => {
    const each = n / sources.length;
    if (!Number.isInteger(each)) throw new RangeError(`${n} values do not split evenly over ${sources.length} images`);
    const out = new Float32Array(n);
    sources.forEach((draw, k) => out.set(draw(each), k * each));
    return out;
  };
}
