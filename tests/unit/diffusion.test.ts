/** The diffusion sampler (src/lib/generate/diffusion.ts) and its seeded noise (src/lib/input/noise.ts).
 *
 * The samplers against training/diffusion.py's: tests/fixtures/diffusion.json, written by
 * training/diffusion_fixture.py, records a DDIM and a DDPM run step by step on the shipped denoiser;
 * `sample()`, with onnxruntime-node running denoiser.onnx, reproduces both from the same noise. Then small
 * cases worked by hand: the timesteps, an oracle denoiser that knows the answer, guidance batching and Stop
 * with a made-up denoiser, and the noise generator's known answers.
 *
 * DIFFUSION_MODEL_DIR and DIFFUSION_FIXTURE point it at another build, e.g. a smoke run:
 *   python3 training/diffusion_fixture.py --model-dir /tmp/diffusion --out /tmp/diffusion-fixture.json
 *   DIFFUSION_MODEL_DIR=/tmp/diffusion DIFFUSION_FIXTURE=/tmp/diffusion-fixture.json npx vitest run tests/unit/diffusion.test.ts
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { graphOf, type ModelCard } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';
import { StoppedError } from '../../src/lib/runtime';
import {
  ddimStep, ddpmStep, forwardSample, guide, parseSchedule, predictNoise, predictX0, sample, snr, timesteps,
  type Denoise, type DiffusionStep, type Schedule,
} from '../../src/lib/generate/diffusion';
import { gaussian, log, mulberry32, perImage } from '../../src/lib/input/noise';

const dir = process.env.DIFFUSION_MODEL_DIR ?? 'public/models/diffusion';
const fixturePath = process.env.DIFFUSION_FIXTURE ?? 'tests/fixtures/diffusion.json';

/** Largest |a − b|, after checking the lengths agree. */
function worst(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let m = 0;
  for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(actual[i]! - expected[i]!));
  return m;
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('timesteps', () => {
  it('spreads S steps evenly over 0 … T−1, both ends included, halves rounded up', () => {
    expect(timesteps(1000, 1)).toEqual([999]);
    expect(timesteps(1000, 2)).toEqual([0, 999]);
    expect(timesteps(1000, 10)).toEqual([0, 111, 222, 333, 444, 555, 666, 777, 888, 999]);
    // 999 · i / 49 + ½, floored: 20.39 → 20, 509.69 → 510, 978.61 → 979.
    const fifty = timesteps(1000, 50);
    expect(fifty).toHaveLength(50);
    expect([fifty[0], fifty[1], fifty[2], fifty[25], fifty[48], fifty[49]]).toEqual([0, 20, 41, 510, 979, 999]);
    expect(fifty.every((t, i) => i === 0 || t > fifty[i - 1]!)).toBe(true);
    // (T − 1) · i / (S − 1) = 3 · 1 / 2 = 1.5 exactly: rounds up to 2.
    expect(timesteps(4, 3)).toEqual([0, 2, 3]);
    expect(timesteps(1000, 1000)).toEqual(Array.from({ length: 1000 }, (_, t) => t));
  });

  it('refuses step counts outside 1 … T', () => {
    expect(() => timesteps(1000, 0)).toThrow(RangeError);
    expect(() => timesteps(1000, 1001)).toThrow(RangeError);
    expect(() => timesteps(1000, 2.5)).toThrow(RangeError);
  });
});

describe('schedule and forward process', () => {
  const raw = { T: 4, alphas_cumprod: [0.9, 0.5, 0.2, 0.01], null_class: 10 };

  it('parses schedule.json and names what is wrong', () => {
    const s = parseSchedule(raw);
    expect(s.T).toBe(4);
    expect(s.nullClass).toBe(10);
    expect(Array.from(s.alphasCumprod)).toEqual(raw.alphas_cumprod);
    expect(() => parseSchedule({ ...raw, alphas_cumprod: [0.9, 0.5, 0.2] })).toThrow(/alphas_cumprod must hold T = 4/);
    expect(() => parseSchedule({ ...raw, alphas_cumprod: [0.9, 0.5, 0.6, 0.01] })).toThrow(/must not increase \(it does at t = 2\)/);
    expect(() => parseSchedule({ ...raw, alphas_cumprod: [1, 0.5, 0.2, 0.01] })).toThrow(/alphas_cumprod\[0\] = 1 is not in \(0, 1\)/);
    expect(() => parseSchedule({ ...raw, null_class: -1 })).toThrow(/null_class/);
    expect(() => parseSchedule(null)).toThrow(/schedule: is not an object/);
  });

  it('forwardSample mixes image and noise; predictX0 with the same noise undoes it', () => {
    const x0 = [-1, -0.5, 0, 0.25, 0.9];
    const noise = [0.3, -1.2, 2, 0, -0.7];
    for (const abar of [0.999, 0.5, 0.02]) {
      const xt = forwardSample(x0, noise, abar);
      expect(xt[1]).toBeCloseTo(Math.sqrt(abar) * -0.5 + Math.sqrt(1 - abar) * -1.2, 6);
      expect(worst(predictX0(xt, noise, abar), x0)).toBeLessThan(1e-5);
    }
    // Without the clip, a wrong noise guess at small ā gives values far outside [−1, 1].
    const far = predictX0([1], [0], 0.0001, false);
    expect(far[0]).toBeCloseTo(100, 3);
    expect(predictX0([1], [0], 0.0001)[0]).toBe(1);
  });

  it('snr is ā / (1 − ā): 1 where signal and noise weigh the same', () => {
    expect(snr(0.5)).toBe(1);
    expect(snr(0.9)).toBeCloseTo(9, 12);
    expect(10 * Math.log10(snr(0.01))).toBeCloseTo(-19.956, 3);
  });

  it('guide: ε_null + w (ε_class − ε_null)', () => {
    expect(Array.from(guide([1, 2], [0, 1], 3))).toEqual([3, 4]);
    expect(Array.from(guide([1, 2], [0, 1], 1))).toEqual([1, 2]);
    expect(Array.from(guide([1, 2], [0, 1], 0))).toEqual([0, 1]);
  });
});

/** A tiny schedule and an "oracle" that knows the image the sampler should end at: given x_t, it returns
 * the noise that x_t holds around that image. Both samplers then find the image exactly. */
describe('samplers with an oracle denoiser', () => {
  const T = 100;
  const schedule: Schedule = {
    T,
    alphasCumprod: Float64Array.from({ length: T }, (_, t) => Math.cos(((t + 1) / T + 0.008) / 1.008 * Math.PI / 2) ** 2),
    nullClass: 10,
  };
  const target = Float32Array.from({ length: 8 }, (_, i) => -0.9 + 0.25 * i);
  const oracle: Denoise = async (x, t) => {
    const a = schedule.alphasCumprod[t[0]!]!;
    return Float32Array.from(x, (v, i) => (v - Math.sqrt(a) * target[i % target.length]!) / Math.sqrt(1 - a));
  };

  for (const method of ['ddim', 'ddpm'] as const) {
    it(`${method} ends at the image the oracle knows, through x̂₀ = that image at every step`, async () => {
      const x0s: Float32Array[] = [];
      const result = await sample({
        denoise: oracle, schedule, classes: [3], noise: gaussian(5)(8), steps: 7, method, guidance: 1,
        stepNoise: gaussian(6), onStep: (s) => void x0s.push(s.x0),
      });
      expect(result.stopped).toBe(false);
      expect(x0s).toHaveLength(7);
      for (const x0 of x0s.slice(1)) expect(worst(x0, target)).toBeLessThan(1e-4);
      expect(worst(result.images!, target)).toBeLessThan(1e-4);
    });
  }
});

/** A made-up denoiser that records its calls: ε of a row is 0.01·class + 0.001·t everywhere, plus x. */
function recorder() {
  const calls: { x: Float32Array; t: number[]; classes: number[] }[] = [];
  const denoise: Denoise = async (x, t, classes) => {
    calls.push({ x: x.slice(), t: [...t], classes: [...classes] });
    const size = x.length / classes.length;
    return Float32Array.from(x, (v, i) => v + 0.01 * classes[Math.floor(i / size)]! + 0.001 * t[Math.floor(i / size)]!);
  };
  return { calls, denoise };
}

describe('sample: batching, guidance, noise and Stop', () => {
  const T = 50;
  const schedule: Schedule = { T, alphasCumprod: Float64Array.from({ length: T }, (_, t) => 0.999 * (1 - t / T) + 1e-4), nullClass: 10 };
  const size = 4;
  const classes = [2, 7, 7];
  const noise = gaussian(1)(classes.length * size);

  it('guidance runs one call of 2B rows: x twice, the classes first, then the null class', async () => {
    const { calls, denoise } = recorder();
    const steps: DiffusionStep[] = [];
    const w = 3;
    await sample({ denoise, schedule, classes, noise, steps: 4, method: 'ddim', guidance: w, onStep: (s) => void steps.push(s) });
    expect(calls.map((c) => c.t[0])).toEqual([49, 33, 16, 0]);
    for (const [k, call] of calls.entries()) {
      expect(call.classes).toEqual([2, 7, 7, 10, 10, 10]);
      expect(call.t).toEqual(Array(6).fill(steps[k]!.t));
      expect(Array.from(call.x)).toEqual([...steps[k]!.x, ...steps[k]!.x]);
      // ε_null + w (ε_class − ε_null) with ε_class − ε_null = 0.01 (class − 10) in every pixel of a row.
      const expected = Float32Array.from(steps[k]!.x, (v, i) => {
        const c = classes[Math.floor(i / size)]!;
        const epsNull = v + 0.1 + 0.001 * steps[k]!.t;
        return epsNull + w * 0.01 * (c - 10);
      });
      expect(worst(steps[k]!.eps, expected)).toBeLessThan(1e-6);
    }
    expect(steps[0]!.x).toBe(noise);
  });

  it('w = 1 asks for the classes alone and w = 0 for the null class alone: one call of B rows', async () => {
    for (const [w, asked] of [[1, classes], [0, [10, 10, 10]]] as const) {
      const { calls, denoise } = recorder();
      await sample({ denoise, schedule, classes, noise, steps: 3, method: 'ddim', guidance: w });
      expect(calls).toHaveLength(3);
      for (const call of calls) expect(call.classes).toEqual(asked);
    }
  });

  it('DDPM asks its noise source for B images of fresh noise at every step but the last', async () => {
    const { denoise } = recorder();
    const asked: number[] = [];
    const source = gaussian(9);
    const stepNoise = (n: number) => (asked.push(n), source(n));
    await sample({ denoise, schedule, classes, noise, steps: 5, method: 'ddpm', guidance: 2, stepNoise });
    expect(asked).toEqual([12, 12, 12, 12]);
    await expect(sample({ denoise, schedule, classes, noise, steps: 5, method: 'ddpm', guidance: 2 })).rejects.toThrow(/stepNoise/);
    await expect(sample({ denoise, schedule, classes, noise: noise.subarray(1), steps: 5, method: 'ddim', guidance: 2 })).rejects.toThrow(/do not make 3 images/);
    await expect(sample({ denoise, schedule, classes: [], noise, steps: 5, method: 'ddim', guidance: 2 })).rejects.toThrow(/at least one class/);
  });

  it('a Stop ends the loop between two steps; the last x̂₀ is the result so far', async () => {
    const controller = new AbortController();
    const { calls, denoise } = recorder();
    const x0s: Float32Array[] = [];
    const result = await sample({
      denoise, schedule, classes, noise, steps: 10, method: 'ddim', guidance: 3, signal: controller.signal,
      onStep: (s) => { x0s.push(s.x0); if (s.index === 1) controller.abort(); },
    });
    expect(result.stopped).toBe(true);
    expect(calls).toHaveLength(2);
    expect(result.images).toBe(x0s[1]);
  });

  it('a Stop before the first step runs nothing; a denoiser that refuses to start also stops the loop', async () => {
    const { calls, denoise } = recorder();
    const result = await sample({ denoise, schedule, classes, noise, steps: 10, method: 'ddim', guidance: 3, signal: AbortSignal.abort() });
    expect(result).toEqual({ images: null, stopped: true });
    expect(calls).toHaveLength(0);
    let runs = 0;
    const refusing: Denoise = async (x) => {
      if (++runs === 3) throw new StoppedError();
      return new Float32Array(x.length);
    };
    const stopped = await sample({ denoise: refusing, schedule, classes, noise, steps: 10, method: 'ddim', guidance: 3 });
    expect(stopped.stopped).toBe(true);
    expect(runs).toBe(3);
  });

  it('a denoiser that returns the wrong amount of numbers is an error', async () => {
    const short: Denoise = async (x) => new Float32Array(x.length - 1);
    await expect(predictNoise(short, noise, 0, classes, 3, 10)).rejects.toThrow(/denoise returned 23 numbers for an input of 24/);
  });
});

describe('seeded noise', () => {
  it('mulberry32 gives the known first values (checked against an independent implementation)', () => {
    const take = (seed: number) => { const r = mulberry32(seed); return Array.from({ length: 4 }, () => r() * 2 ** 32); };
    expect(take(0)).toEqual([1144304738, 1416247, 958946056, 627933444]);
    expect(take(2024)).toEqual([3486492848, 3052955074, 2793987405, 2943453892]);
  });

  it('gaussian gives the known first values, as float32 (Python with math.log gives the same)', () => {
    expect(Array.from(gaussian(0)(6))).toEqual([
      -0.40345752239227295, -0.5158221125602722, -1.7398624420166016, 2.398958683013916, 1.20911705493927, 1.5630247592926025,
    ]);
    expect(Array.from(gaussian(1)(4))).toEqual([0.021917298436164856, 0.38413387537002563, 0.7624596953392029, 1.491576075553894]);
  });

  it('continues one stream across calls, and its draws look standard normal', () => {
    const a = gaussian(42);
    const b = gaussian(42);
    expect([...a(3), ...a(5)]).toEqual([...b(8)]);
    const n = 200_000;
    const v = gaussian(7)(n);
    let mean = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const x of v) { mean += x; sq += x * x; if (Math.abs(x) > 2) beyond2++; }
    mean /= n;
    const variance = sq / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.01); // 4.5 standard errors
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2);
    expect(Array.from(gaussian(8)(4))).not.toEqual(Array.from(v.subarray(0, 4)));
  });

  it('log, made of + − × ÷ only, is within a few units in the last place of Math.log', () => {
    const r = mulberry32(3);
    for (let i = 0; i < 10_000; i++) {
      const x = r() || 0.5;
      expect(Math.abs(log(x) - Math.log(x))).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(Math.log(x)));
    }
    expect(log(1)).toBe(0);
    expect(log(2 ** -62)).toBeCloseTo(-62 * Math.LN2, 12);
    expect(() => log(0)).toThrow(RangeError);
  });

  it('perImage lays out each image from its own source, so an image is the same alone or in a batch', () => {
    const batch = perImage([gaussian(5), gaussian(6)]);
    const first = batch(8);
    const second = batch(8);
    const alone = gaussian(6);
    expect(Array.from(first.subarray(4))).toEqual(Array.from(alone(4)));
    expect(Array.from(second.subarray(4))).toEqual(Array.from(alone(4)));
    expect(() => batch(7)).toThrow(/do not split evenly over 2 images/);
  });
});

/** tests/fixtures/diffusion.json (see training/diffusion_fixture.py). */
interface Run {
  steps: number;
  t: number[];
  abar: number[];
  x: number[][];
  x0: number[][];
  image: number[];
  z?: number[][];
}
interface Fixture {
  denoiser_sha256: string;
  schedule_sha256: string;
  tolerance: { atol: number; rtol: number };
  shape: number[];
  class: number;
  null_class: number;
  guidance: number;
  T: number;
  noise: number[];
  ddim: Run;
  ddpm: Run;
}

const compared = `the samplers on ${dir} reproduce training/diffusion.py's`;
describe(compared, () => {
  const card: ModelCard = parseCard(JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')));
  const graph = graphOf(card, 'denoiser');
  const scheduleFile = card.sampler!.schedule;
  const schedule = parseSchedule(JSON.parse(readFileSync(join(dir, scheduleFile), 'utf8')));
  if (!existsSync(fixturePath)) throw new Error(`${fixturePath} is missing: run training/diffusion_fixture.py --model-dir ${dir}`);
  const fixture: Fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
  const { atol } = fixture.tolerance;
  /** Fed the fixture's own x, one step is checked much tighter than a free run (measured: 2e-5). */
  const stepTol = atol / 10;

  const session = ort.InferenceSession.create(join(dir, graph.file));
  const name = (kind: string) => graph.inputs.find((i) => i.kind === kind)!.name;
  const epsName = graph.outputs.find((o) => o.role === 'noise')!.name;
  const imageDims = graph.inputs.find((i) => i.kind === 'state')!.shape.slice(1) as number[];
  const denoise: Denoise = async (x, t, classes) => {
    const n = classes.length;
    const ids = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [n]);
    const out = await (await session).run(
      { [name('state')]: new ort.Tensor('float32', x, [n, ...imageDims]), [name('timestep')]: ids(t), [name('class_id')]: ids(classes) },
      [epsName],
    );
    return out[epsName]!.data as Float32Array;
  };

  it("belongs to this model: the denoiser's and the schedule's sha256 (else run training/diffusion_fixture.py again)", () => {
    expect(fixture.denoiser_sha256).toBe(graph.sha256);
    expect(sha256(join(dir, graph.file))).toBe(graph.sha256);
    expect(fixture.schedule_sha256).toBe(card.files[scheduleFile]!.sha256);
    expect(sha256(join(dir, scheduleFile))).toBe(fixture.schedule_sha256);
    expect({ guidance: fixture.guidance, null: fixture.null_class, T: fixture.T })
      .toEqual({ guidance: card.sampler!.guidance, null: card.sampler!.null_class, T: schedule.T });
    expect(schedule.nullClass).toBe(card.sampler!.null_class);
    expect(fixture.shape.slice(1)).toEqual(imageDims);
  });

  it('visits the timesteps the fixture lists, where ā is what schedule.json says', () => {
    for (const run of [fixture.ddim, fixture.ddpm]) {
      expect(run.t).toEqual(timesteps(schedule.T, run.steps).reverse());
      expect(run.t.map((t) => schedule.alphasCumprod[t])).toEqual(run.abar);
    }
  });

  for (const method of ['ddim', 'ddpm'] as const) {
    it(`${method}: sample() from the fixture's noise matches every x, x̂₀ and the image within atol ${atol}`, async () => {
      const run = fixture[method];
      const steps: DiffusionStep[] = [];
      const z = (run.z ?? []).map((v) => Float32Array.from(v));
      const result = await sample({
        denoise, schedule, classes: [fixture.class], noise: Float32Array.from(fixture.noise), steps: run.steps, method,
        guidance: fixture.guidance, clipX0: card.sampler!.clip_x0, stepNoise: () => z.shift()!, onStep: (s) => void steps.push(s),
      });
      expect(result.stopped).toBe(false);
      expect(steps.map((s) => s.t)).toEqual(run.t);
      expect(z).toHaveLength(0);
      steps.forEach((s, i) => {
        expect(worst(s.x, run.x[i]!), `x at t = ${s.t}`).toBeLessThanOrEqual(atol);
        expect(worst(s.x0, run.x0[i]!), `x̂₀ at t = ${s.t}`).toBeLessThanOrEqual(atol);
      });
      expect(worst(result.images!, run.image)).toBeLessThanOrEqual(atol);
    });

    it(`${method}: each step fed the fixture's x gives its x̂₀ and next x within ${stepTol}`, async () => {
      const run = fixture[method];
      for (let i = 0; i < run.t.length; i++) {
        const x = Float32Array.from(run.x[i]!);
        const eps = await predictNoise(denoise, x, run.t[i]!, [fixture.class], fixture.guidance, fixture.null_class);
        const x0 = predictX0(x, eps, run.abar[i]!, card.sampler!.clip_x0);
        expect(worst(x0, run.x0[i]!), `x̂₀ at t = ${run.t[i]}`).toBeLessThanOrEqual(stepTol);
        if (i + 1 === run.t.length) continue;
        const next = method === 'ddim' ? ddimStep(x, x0, run.abar[i]!, run.abar[i + 1]!) : ddpmStep(x, x0, run.abar[i]!, run.abar[i + 1]!, run.z![i]!);
        expect(worst(next, run.x[i + 1]!), `x after t = ${run.t[i]}`).toBeLessThanOrEqual(stepTol);
      }
    });
  }
});
