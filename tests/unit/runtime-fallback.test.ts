/** What happens when things go wrong on the way to a run: a runtime download that fails and is retried,
 * a WebGPU session that cannot be created, a WebGPU run that fails. Node has no WebGPU, so navigator.gpu
 * is a fake adapter: it gives a plain device (what the runtime asks for to see that WebGPU works) but
 * refuses the device onnxruntime asks for with its required limits, so onnxruntime's own WebGPU session
 * creation really fails. A WebGPU *run* failure needs a WebGPU session that was created, which Node
 * cannot make: there the build's WebGPU sessions are stood in for by WASM sessions whose run throws.
 * The tests run in order and share one runtime, as widgets on a page do. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Ort from 'onnxruntime-web/webgpu';
import { isRetryable, openModel, release, run, type ModelHandle } from '../../src/lib/runtime';
import { expected, feedOf, fixtureCard, maxDiff, serve, streamed } from './runtime-server';
import { readFileSync } from 'node:fs';

const control = vi.hoisted(() => ({
  /** importOrt calls that fail like a dropped chunk download. */
  failImports: 0,
  /** Replace the build's WebGPU sessions with WASM sessions whose run throws. */
  gpuRunsFail: false,
  gpuCreates: 0,
  gpuRuns: 0,
  gpuReleases: 0,
}));

vi.mock('../../src/lib/runtime/ort-build.mjs', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/lib/runtime/ort-build.mjs')>();
  return {
    ...real,
    importOrt: async () => {
      if (control.failImports > 0) {
        control.failImports -= 1;
        throw new TypeError('Failed to fetch dynamically imported module');
      }
      const ort = await real.importOrt();
      return { ...ort, InferenceSession: { create: (model: Uint8Array, options: Ort.InferenceSession.SessionOptions) => create(ort, model, options) } };
    },
  };
});

async function create(ort: typeof Ort, model: Uint8Array, options: Ort.InferenceSession.SessionOptions) {
  const gpu = options.executionProviders?.some((ep) => (typeof ep === 'string' ? ep : ep.name) === 'webgpu');
  if (gpu) control.gpuCreates += 1;
  if (!gpu || !control.gpuRunsFail) return ort.InferenceSession.create(model, options);
  const session = await ort.InferenceSession.create(model, { ...options, executionProviders: ['wasm'] });
  return Object.assign(Object.create(session) as Ort.InferenceSession, {
    run: async () => {
      control.gpuRuns += 1;
      throw new Error('Failed to download data from buffer: device lost');
    },
    release: async () => {
      control.gpuReleases += 1;
      await session.release();
    },
  });
}

const card = fixtureCard();
const want = expected();
const tokenFeeds = () => ({ ids: feedOf(want.tokens.inputs.ids!) });
const ATOL = 1e-5;

function fakeGpu(device: (descriptor?: object) => Promise<{ destroy(): void }>) {
  Object.defineProperty(navigator, 'gpu', {
    configurable: true,
    value: { requestAdapter: async () => ({ features: new Set(), limits: {}, info: {}, requestDevice: device }) },
  });
}

let wasmAnswers: ((url: string) => Response | undefined)[] = [];

beforeAll(() => {
  serve((url) => (url.endsWith('.wasm') ? wasmAnswers.shift()?.(url) : undefined));
  fakeGpu(async (descriptor) => {
    if (descriptor) throw new Error('this adapter cannot meet the limits asked for');
    return { destroy() {} };
  });
});

afterAll(() => {
  delete (navigator as { gpu?: unknown }).gpu;
  vi.unstubAllGlobals();
});

describe('a failed runtime download is retried without a reload', () => {
  it('the runtime module fails to load, then loads on the retry', async () => {
    control.failImports = 1;
    const err = await openModel({ card, graph: 'tokens', choice: 'wasm' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ key: 'error.runtimeDownload' });
    expect(isRetryable(err)).toBe(true);
    // The WebAssembly binary is cut off mid-download on the second try.
    const wasm = (url: string) => new Uint8Array(readFileSync(`.${url}`));
    wasmAnswers = [(url) => streamed(wasm(url), { errorAfter: 1 << 20 })];
    const cut = await openModel({ card, graph: 'tokens', choice: 'wasm' }).catch((e: unknown) => e);
    expect(cut).toMatchObject({ key: 'error.runtimeDownload' });
    expect(isRetryable(cut)).toBe(true);
    const handle = await openModel({ card, graph: 'tokens', choice: 'wasm' });
    const { outputs } = await run(handle, tokenFeeds(), ['logits']);
    expect(maxDiff(outputs.logits!.data, want.tokens.outputs.logits!.data)).toBeLessThan(ATOL);
    await release(handle);
  });
});

describe('"auto" falls back to WASM', () => {
  it('when the WebGPU session cannot be created: fallback "session-failed", right answers on WASM', async () => {
    const handle = await openModel({ card, graph: 'tokens', choice: 'auto' });
    expect([handle.provider, handle.fallback]).toEqual(['wasm', 'session-failed']);
    const result = await run(handle, tokenFeeds(), ['logits']);
    expect(result.provider).toBe('wasm');
    expect(maxDiff(result.outputs.logits!.data, want.tokens.outputs.logits!.data)).toBeLessThan(ATOL);
    await release(handle);
  });

  it('an explicit "webgpu" does not fall back, and the failure does not break the next session', async () => {
    await expect(openModel({ card, graph: 'decoder', choice: 'webgpu' })).rejects.toMatchObject({ key: 'error.run' });
    const handle = await openModel({ card, graph: 'decoder', choice: 'wasm' });
    const { inputs, outputs } = want.decoder;
    const result = await run(handle, { memory: feedOf(inputs.memory!), ids: feedOf(inputs.ids!) }, ['attention']);
    expect(maxDiff(result.outputs.attention!.data, outputs.attention!.data)).toBeLessThan(ATOL);
    await release(handle);
  });

  it('when a WebGPU run fails: the model moves to WASM, the run is repeated there, fallback "run-failed"', async () => {
    control.gpuRunsFail = true;
    let handle: ModelHandle | undefined;
    try {
      handle = await openModel({ card, graph: 'tokens', choice: 'auto' });
      expect([handle.provider, handle.fallback]).toEqual(['webgpu', null]);
      const result = await run(handle, tokenFeeds(), ['logits']);
      expect(control.gpuRuns).toBe(1);
      expect([result.provider, handle.provider, handle.fallback]).toEqual(['wasm', 'wasm', 'run-failed']);
      expect(maxDiff(result.outputs.logits!.data, want.tokens.outputs.logits!.data)).toBeLessThan(ATOL);
      expect(control.gpuReleases).toBe(1); // nobody else held the WebGPU session
      await run(handle, tokenFeeds(), ['logits']); // later runs go to WASM directly
      expect(control.gpuRuns).toBe(1);
    } finally {
      if (handle) await release(handle);
      control.gpuRunsFail = false;
    }
  });

  it('an explicit "webgpu" whose run fails reports the failure and stays on WebGPU', async () => {
    control.gpuRunsFail = true;
    const handle = await openModel({ card, graph: 'tokens', choice: 'webgpu' });
    try {
      await expect(run(handle, tokenFeeds(), ['logits'])).rejects.toMatchObject({ key: 'error.run', vars: { detail: expect.stringContaining('device lost') } });
      expect([handle.provider, handle.fallback]).toEqual(['webgpu', null]);
    } finally {
      await release(handle);
      control.gpuRunsFail = false;
    }
  });

  it('an adapter that gives no device at all counts as no WebGPU: onnxruntime is not asked to try', async () => {
    // A fresh runtime module, as on a new page: the answer to "is there WebGPU" is kept per page.
    vi.resetModules();
    fakeGpu(async () => {
      throw new Error('GPU process unavailable');
    });
    const fresh = await import('../../src/lib/runtime');
    const creates = control.gpuCreates;
    const handle = await fresh.openModel({ card, graph: 'tokens', choice: 'auto' });
    expect([handle.provider, handle.fallback]).toEqual(['wasm', 'no-adapter']);
    expect(control.gpuCreates).toBe(creates);
    await fresh.release(handle);
  });
});
