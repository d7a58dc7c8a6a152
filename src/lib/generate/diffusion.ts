/**
 * Drawing images out of noise with a diffusion model's noise predictor, as training/diffusion.py's
 * `# region sampler` does, step for step: the same timesteps, the same guidance, the same DDIM and DDPM
 * updates. Images are float32 (what the network takes and gives); the coefficients, which come from the
 * schedule's ā_t and can be as small as 2e-9, are float64, and every element is computed in float64 and
 * rounded once when stored.
 *
 * The forward process adds noise in closed form: x_t = √ā_t·x₀ + √(1 − ā_t)·ε with ε ~ N(0, I), where ā_t
 * (alphas_cumprod) falls from almost 1 at t = 0 to almost 0 at t = T − 1. The network, given x_t, t and a
 * class, predicts ε. The reverse process starts from pure noise at t = T − 1 and, at each of a few timesteps
 * τ_{S−1} > … > τ_0 = 0, estimates the clean image x̂₀ from the predicted noise and moves x to the next
 * (earlier) timestep; after τ_0 the image is x̂₀.
 *
 * The model is hidden behind `denoise`, one call per step for the whole batch, so this module runs with
 * onnxruntime-web in the page, onnxruntime-node in the tests, or a made-up predictor.
 *
 * Erasable TypeScript only: `npm run bench` imports this file into Node.
 */
import { runLoop } from '../runtime';
import type { SamplerMethod } from '../card';
import type { Draw } from '../input/noise';

/** The noise schedule (schedule.json in the model folder). */
export interface Schedule {
  /** Timesteps of the forward process: t = 0 … T − 1. */
  T: number;
  /** ā_t for t = 0 … T − 1: the share of the signal's variance left at t. Decreasing, in (0, 1). */
  alphasCumprod: Float64Array;
  /** The class id that means "no class" (the unconditional prediction guidance compares with). */
  nullClass: number;
}

/** Reads schedule.json, checking what the sampler relies on; the error names the field that is wrong. */
export function parseSchedule(raw: unknown): Schedule {
  const fail = (message: string): never => {
    throw new Error(`schedule: ${message}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('is not an object');
  const { T, alphas_cumprod: abar, null_class: nullClass } = raw as Record<string, unknown>;
  if (!Number.isInteger(T) || (T as number) < 2) fail(`T must be an integer of at least 2, not ${String(T)}`);
  if (!Array.isArray(abar) || abar.length !== T) fail(`alphas_cumprod must hold T = ${String(T)} numbers`);
  if (!Number.isInteger(nullClass) || (nullClass as number) < 0) fail(`null_class must be a class id, not ${String(nullClass)}`);
  const alphasCumprod = Float64Array.from(abar as unknown[], (v, t) => {
    if (typeof v !== 'number' || !(v > 0 && v < 1)) fail(`alphas_cumprod[${t}] = ${String(v)} is not in (0, 1)`);
    return v as number;
  });
  for (let t = 1; t < alphasCumprod.length; t++) {
    if (alphasCumprod[t]! > alphasCumprod[t - 1]!) fail(`alphas_cumprod must not increase (it does at t = ${t})`);
  }
  return { T: T as number, alphasCumprod, nullClass: nullClass as number };
}

/**
 * The S timesteps a sampler visits, increasing, spread evenly over 0 … T − 1 with both ends included:
 * τ_i = ⌊(T − 1)·i / (S − 1) + ½⌋, computed in integers as ⌊((T − 1)·2i + (S − 1)) / (2(S − 1))⌋.
 * One step visits T − 1 alone. The sampler walks this list from the end.
 */
export function timesteps(T: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new RangeError(`steps must be an integer from 1 to T = ${T}, not ${steps}`);
  if (steps === 1) return [T - 1];
  return Array.from({ length: steps }, (_, i) => Math.floor(((T - 1) * i * 2 + (steps - 1)) / (2 * (steps - 1))));
}

/** The forward process in closed form: x_t = √ā_t·x₀ + √(1 − ā_t)·ε. */
export function forwardSample(x0: ArrayLike<number>, noise: ArrayLike<number>, abar: number): Float32Array {
  sameLength(x0, noise, 'x0 and noise');
  const signal = Math.sqrt(abar);
  const spread = Math.sqrt(1 - abar);
  return elementwise(x0.length, (i) => signal * x0[i]! + spread * noise[i]!);
}

/** Signal-to-noise ratio of x_t: the signal's variance over the noise's, ā_t / (1 − ā_t). */
export function snr(abar: number): number {
  return abar / (1 - abar);
}

/** Classifier-free guidance: ε = ε_null + w·(ε_class − ε_null). w = 1 is the class alone, w = 0 no class,
 * w > 1 pushes further from the unconditional prediction, towards what makes the class the class. */
export function guide(epsClass: ArrayLike<number>, epsNull: ArrayLike<number>, w: number): Float32Array {
  sameLength(epsClass, epsNull, 'the two predictions');
  return elementwise(epsNull.length, (i) => epsNull[i]! + w * (epsClass[i]! - epsNull[i]!));
}

/** The clean image the predicted noise implies: x̂₀ = (x_t − √(1 − ā_t)·ε) / √ā_t, clipped to the pixel range
 * [−1, 1] unless `clip` is false. Near t = T − 1 this divides by √ā_t ≈ 5e-5: the clip keeps it sane. */
export function predictX0(x: ArrayLike<number>, eps: ArrayLike<number>, abar: number, clip = true): Float32Array {
  sameLength(x, eps, 'x and eps');
  const spread = Math.sqrt(1 - abar);
  const signal = Math.sqrt(abar);
  return elementwise(x.length, (i) => {
    const x0 = (x[i]! - spread * eps[i]!) / signal;
    return clip ? Math.min(1, Math.max(-1, x0)) : x0;
  });
}

/** A DDIM step (eta = 0, deterministic) from t to the earlier timestep s: x_s = √ā_s·x̂₀ + √(1 − ā_s)·ε with
 * ε = (x_t − √ā_t·x̂₀)/√(1 − ā_t), the noise the (clipped) x̂₀ leaves in x_t: the noise the image is believed
 * to hold is kept, scaled to the level of s. Without clipping this ε is the predicted one; with it, a large
 * guided ε cannot push x_s out of range. */
export function ddimStep(x: ArrayLike<number>, x0: ArrayLike<number>, abarT: number, abarS: number): Float32Array {
  sameLength(x, x0, 'x and x0');
  const keep = Math.sqrt(1 - abarS) / Math.sqrt(1 - abarT);
  const fromX0 = Math.sqrt(abarS) - keep * Math.sqrt(abarT);
  return elementwise(x.length, (i) => fromX0 * x0[i]! + keep * x[i]!);
}

/**
 * An ancestral DDPM step from t to the earlier timestep s: a draw from q(x_s | x_t, x̂₀). With α = ā_t / ā_s
 * (the signal kept from s to t), its mean is (√ā_s·(1 − α)·x̂₀ + √α·(1 − ā_s)·x_t) / (1 − ā_t) and its
 * variance (1 − ā_s)/(1 − ā_t)·(1 − α); `z` is fresh standard normal noise. With s = t − 1 this is Ho et
 * al.'s step.
 */
export function ddpmStep(x: ArrayLike<number>, x0: ArrayLike<number>, abarT: number, abarS: number, z: ArrayLike<number>): Float32Array {
  sameLength(x, x0, 'x and x0');
  sameLength(x, z, 'x and z');
  const alpha = abarT / abarS;
  const fromX0 = (Math.sqrt(abarS) * (1 - alpha)) / (1 - abarT);
  const fromX = (Math.sqrt(alpha) * (1 - abarS)) / (1 - abarT);
  const sigma = Math.sqrt(((1 - abarS) / (1 - abarT)) * (1 - alpha));
  return elementwise(x.length, (i) => fromX0 * x0[i]! + fromX * x[i]! + sigma * z[i]!);
}

/**
 * The noise predictor: for a batch of n images (x holds n images, flat, one after the other), their
 * timesteps and classes, the predicted noise ε of every image, laid out like x. It should refuse to start
 * once `signal` is aborted (throwing an abort), as the runtime's `run` does.
 */
export type Denoise = (x: Float32Array, t: number[], classes: number[], signal?: AbortSignal) => Promise<Float32Array>;

/**
 * The guided noise prediction for a batch of B images at one timestep t. For w = 1 (the class alone) or
 * w = 0 (no class) one call with the B images. Otherwise one call with a batch of 2B: the B images with
 * their classes first, then the same B images with the null class, and ε = ε_null + w·(ε_class − ε_null).
 */
export async function predictNoise(
  denoise: Denoise, x: Float32Array, t: number, classes: number[], w: number, nullClass: number, signal?: AbortSignal,
): Promise<Float32Array> {
  const nulls = classes.map(() => nullClass);
  const times = (n: number) => Array.from({ length: n }, () => t);
  const call = async (input: Float32Array, cls: number[]) => {
    const eps = await denoise(input, times(cls.length), cls, signal);
    if (eps.length !== input.length) throw new Error(`denoise returned ${eps.length} numbers for an input of ${input.length}`);
    return eps;
  };
  if (w === 1 || w === 0) return call(x, w === 1 ? classes : nulls);
  const both = new Float32Array(2 * x.length);
  both.set(x);
  both.set(x, x.length);
  const eps = await call(both, [...classes, ...nulls]);
  return guide(eps.subarray(0, x.length), eps.subarray(x.length), w);
}

export interface DiffusionStep {
  /** 0 for the first step (at t = T − 1), up to total − 1 (at t = 0). */
  index: number;
  total: number;
  /** The timestep of this step. */
  t: number;
  /** x_t: the B images this step started from (under guidance the network saw each twice). */
  x: Float32Array;
  /** The (guided) noise it predicted. */
  eps: Float32Array;
  /** The clean images that noise implies, x̂₀; after the last step these are the result. */
  x0: Float32Array;
}

export interface SampleOptions {
  denoise: Denoise;
  schedule: Schedule;
  /** One class per image; the batch size B is its length. */
  classes: number[];
  /** The start, x at t = T − 1: B images, flat, one after the other (standard normal noise). */
  noise: Float32Array;
  /** How many timesteps to visit (see `timesteps`). */
  steps: number;
  method: SamplerMethod;
  /** Guidance scale w (see `predictNoise`). */
  guidance: number;
  /** DDPM only: fresh noise for every step but the last, asked for as B · (image size) values per step. */
  stepNoise?: Draw;
  /** Clip x̂₀ to [−1, 1] at every step (the card's sampler.clip_x0); true unless said otherwise. */
  clipX0?: boolean;
  /** Called after every step (to draw it); awaited before the next. */
  onStep?: (step: DiffusionStep) => void | Promise<void>;
  /** A Stop: checked before every step and handed to `denoise`; the loop ends between two steps. */
  signal?: AbortSignal;
}

export interface SampleResult {
  /** The generated images (B, flat) when the loop finished; after a Stop, the last step's x̂₀ (the best
   * guess so far), or null when it stopped before the first step completed. */
  images: Float32Array | null;
  /** True when a Stop ended the loop early. */
  stopped: boolean;
}

/**
 * Draws B images: from `noise` at t = T − 1, through the timesteps τ_{S−1} > … > τ_0 = 0. At each step the
 * network predicts the noise (guided: one call of 2B rows, the B conditional rows first, then the B null
 * rows, see `predictNoise`), x̂₀ follows from it, and unless this was the last step x moves to the next
 * timestep by DDIM or DDPM. Runs on the runtime's loop: the page stays responsive between steps, every step
 * is reported to onStep, and a Stop ends the loop between two steps.
 */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { denoise, schedule, classes, noise, steps, method, guidance, stepNoise, clipX0 = true } = options;
  const abar = schedule.alphasCumprod;
  const B = classes.length;
  if (B < 1) throw new RangeError('sample needs at least one class');
  if (noise.length === 0 || noise.length % B !== 0) throw new RangeError(`${noise.length} noise values do not make ${B} images`);
  if (method === 'ddpm' && !stepNoise) throw new Error('DDPM needs stepNoise: fresh noise for every step');
  const taus = timesteps(schedule.T, steps);
  let x = noise;
  let last: Float32Array | null = null;

  const { stopped } = await runLoop<DiffusionStep>({
    total: steps,
    signal: options.signal,
    step: async (index, signal) => {
      const i = steps - 1 - index; // the steps visit τ_{S−1} first
      const t = taus[i]!;
      const eps = await predictNoise(denoise, x, t, classes, guidance, schedule.nullClass, signal);
      const x0 = predictX0(x, eps, abar[t]!, clipX0);
      const step: DiffusionStep = { index, total: steps, t, x, eps, x0 };
      last = x0;
      if (i > 0) {
        const s = taus[i - 1]!;
        x = method === 'ddim' ? ddimStep(x, x0, abar[t]!, abar[s]!) : ddpmStep(x, x0, abar[t]!, abar[s]!, stepNoise!(x.length));
      }
      return step;
    },
    onStep: ({ value }) => options.onStep?.(value),
  });
  return { images: last, stopped };
}

/** A new float32 array of n elements, element i = f(i) (computed in float64, rounded once when stored).
 * A plain loop: Float32Array.from with a map function is several times slower in V8. */
function elementwise(n: number, f: (i: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what} differ in length (${a.length} and ${b.length})`);
}
