/** The runtime on real onnxruntime-web (the build the site ships; its WASM provider runs in Node) with the
 * fixture graphs of training/fixtures.py, compared with what PyTorch computed for them. Node has no
 * WebGPU, so 'auto' runs on WASM with the 'no-adapter' notice. */
import * as ortJspi from 'onnxruntime-web/jspi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUILD } from '../../src/lib/runtime/ort-build.mjs';
import {
  endProfile, isAbort, openModel, release, run, runLoop, type Feed, type LoadPart, type ModelHandle,
} from '../../src/lib/runtime';
import { expected, feedOf, fixtureCard, maxDiff, serve } from './runtime-server';

const card = fixtureCard();
const want = expected();
/** float32 through the same graph in two runtimes: far below the site's golden tolerance (1e-4). */
const ATOL = 1e-5;

let requests: string[] = [];
const progress: [number, LoadPart][] = [];
let tokens: ModelHandle;

beforeAll(async () => {
  requests = serve();
  // The first open of the file loads the runtime: its WebAssembly binary comes through the site's fetch.
  tokens = await openModel({ card, graph: 'tokens', choice: 'auto', profile: true, onProgress: (f, part) => progress.push([f, part]) });
});

afterAll(() => {
  vi.unstubAllGlobals();
});

describe('openModel', () => {
  it('loads the build the site ships, its WebAssembly binary through the site’s fetch with progress', () => {
    expect(BUILD).toBe('Suspending' in WebAssembly ? 'jspi' : 'webgpu');
    expect(requests.filter((u) => u.endsWith('.wasm'))).toEqual([`/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.${BUILD === 'jspi' ? 'jspi' : 'asyncify'}.wasm`]);
    const runtime = progress.filter(([, part]) => part === 'runtime').map(([f]) => f);
    expect(runtime.length).toBeGreaterThan(10); // 16 MB in 64 KB chunks
    expect(runtime.at(-1)).toBe(1);
  });

  it('without WebGPU, "auto" runs on WASM and says why', () => {
    expect(tokens.provider).toBe('wasm');
    expect(tokens.fallback).toBe('no-adapter');
    expect(tokens.verified).toBe(true);
    expect(tokens.graph.name).toBe('tokens');
  });

  it('"wasm" asked for is no fallback; "webgpu" asked for fails instead of falling back', async () => {
    const handle = await openModel({ card, graph: 'tokens', choice: 'wasm', profile: true });
    expect([handle.provider, handle.fallback]).toEqual(['wasm', null]);
    await release(handle);
    await expect(openModel({ card, graph: 'tokens', choice: 'webgpu' })).rejects.toMatchObject({ key: 'error.webgpuUnavailable' });
  });

  it('names an unknown graph', async () => {
    await expect(openModel({ card, graph: 'encoder', choice: 'wasm' })).rejects.toMatchObject({ key: 'error.cardInvalid' });
  });
});

describe('run', () => {
  it('int64 token ids → next-token logits, as PyTorch computed them', async () => {
    const { inputs, outputs } = want.tokens;
    const result = await run(tokens, { ids: feedOf(inputs.ids!) }, ['logits']);
    expect(result.provider).toBe('wasm');
    expect(result.outputs.logits!.dims).toEqual(outputs.logits!.shape);
    expect(maxDiff(result.outputs.logits!.data, outputs.logits!.data)).toBeLessThan(ATOL);
  });

  it('a symbolic size ("seq") may change from run to run', async () => {
    const ids: Feed = { dtype: 'int64', dims: [1, 2], data: new BigInt64Array([3n, 1n]) };
    const short = await run(tokens, { ids }, ['logits']);
    expect(short.outputs.logits!.dims).toEqual([1, 2, 16]);
    // Position-wise model: the first two positions of the 5-token run.
    expect(maxDiff(short.outputs.logits!.data, want.tokens.outputs.logits!.data.slice(0, 32))).toBeLessThan(ATOL);
  });

  it('two inputs (encoder memory + token ids) → logits and attention, as PyTorch computed them', async () => {
    const decoder = await openModel({ card, graph: 'decoder', choice: 'auto' });
    const { inputs, outputs } = want.decoder;
    const result = await run(decoder, { memory: feedOf(inputs.memory!), ids: feedOf(inputs.ids!) }, ['logits', 'attention']);
    for (const name of ['logits', 'attention']) {
      expect(result.outputs[name]!.dims, name).toEqual(outputs[name]!.shape);
      expect(maxDiff(result.outputs[name]!.data, outputs[name]!.data), name).toBeLessThan(ATOL);
    }
    await release(decoder);
  });

  it('checks feeds before onnxruntime sees them, naming the input', async () => {
    const bad: Feed = { dtype: 'int32', dims: [1, 5], data: new Int32Array(5) };
    await expect(run(tokens, { ids: bad }, ['logits'])).rejects.toMatchObject({ key: 'error.inputType', vars: { name: 'ids' } });
    await expect(run(tokens, {}, ['logits'])).rejects.toMatchObject({ key: 'error.inputMissing', vars: { name: 'ids' } });
    await expect(run(tokens, { ids: feedOf(want.tokens.inputs.ids!) }, ['probs'])).rejects.toMatchObject({ key: 'error.outputUnknown' });
  });

  it('an aborted signal stops a run before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await run(tokens, { ids: feedOf(want.tokens.inputs.ids!) }, ['logits'], { signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbort(err)).toBe(true);
  });

  it('profiles: onnxruntime’s own profile lists the kernels that ran, all on the CPU (WASM) provider', async () => {
    const summary = await endProfile(tokens);
    expect(Object.keys(summary)).toEqual(['CPUExecutionProvider']);
    expect(summary.CPUExecutionProvider!.ops).toContain('Gather');
  });
});

describe('loops of runs (recurrent greedy decoding with the step graph)', () => {
  let step: ModelHandle;
  let runs = 0;
  const trajectory = want.step.trajectory;

  beforeAll(async () => {
    step = await openModel({ card, graph: 'step', choice: 'auto' });
  });
  afterAll(() => release(step));

  /** One greedy step: feeds the state and the last token, returns the new state, logits and the argmax
   * token (an int64 output, which reaches us as float32). */
  function decoder() {
    let state: Feed = feedOf(want.step.inputs.state!);
    let token: Feed = feedOf(want.step.inputs.token!);
    return async (_index: number, signal?: AbortSignal) => {
      const { outputs } = await run(step, { state, token }, ['next_state', 'logits', 'next_token'], { signal });
      runs += 1;
      state = { dtype: 'float32', dims: [1, 8], data: outputs.next_state!.data };
      const chosen = outputs.next_token!.data[0]!;
      token = { dtype: 'int64', dims: [1, 1], data: new BigInt64Array([BigInt(chosen)]) };
      return { token: chosen, logits: outputs.logits!.data };
    };
  }

  it('20 steps give PyTorch’s 20 greedy tokens and logits', async () => {
    runs = 0;
    const { values, stopped } = await runLoop({ total: 20, step: decoder() });
    expect(stopped).toBe(false);
    expect(runs).toBe(20);
    expect(values.map((v) => v.token)).toEqual(trajectory.map((s) => s.token));
    values.forEach((v, i) => expect(maxDiff(v.logits, trajectory[i]!.logits), `step ${i}`).toBeLessThan(ATOL));
  });

  it('a 20-step loop stopped at step 5 ran exactly 5 times and says it stopped', async () => {
    runs = 0;
    const controller = new AbortController();
    const { values, stopped } = await runLoop({
      total: 20,
      signal: controller.signal,
      step: decoder(),
      onStep: ({ index }) => {
        if (index === 4) controller.abort();
      },
    });
    expect(stopped).toBe(true);
    expect(runs).toBe(5);
    expect(values.map((v) => v.token)).toEqual(trajectory.slice(0, 5).map((s) => s.token));
  });

  it('a Stop during a step: the run in flight finishes, the next one is refused, the loop says stopped', async () => {
    runs = 0;
    const controller = new AbortController();
    const greedy = decoder();
    const { values, stopped } = await runLoop({
      total: 20,
      signal: controller.signal,
      step: async (index, signal) => {
        if (index === 3) controller.abort(); // the reader presses Stop while step 3 is about to run
        return greedy(index, signal);
      },
    });
    expect([stopped, runs, values.length]).toEqual([true, 3, 3]);
  });

  it('`until` ends the loop at an end token, not as stopped', async () => {
    const eos = 10;
    const first = trajectory.findIndex((s) => s.token === eos);
    expect(first).toBeGreaterThan(0);
    const { values, stopped } = await runLoop({ total: 20, step: decoder(), until: (v) => v.token === eos });
    expect(stopped).toBe(false);
    expect(values.length).toBe(first + 1);
  });
});

describe('sessions are shared and released', () => {
  it('two handles share one session; it is released when the last one goes, and recreated when needed', async () => {
    const create = vi.spyOn(ortJspi.InferenceSession, 'create');
    const a = await openModel({ card, graph: 'decoder', choice: 'wasm' });
    const b = await openModel({ card, graph: 'decoder', choice: 'wasm' });
    expect(create).toHaveBeenCalledTimes(1);
    const released = vi.spyOn(await create.mock.results[0]!.value, 'release'); // still releases
    await release(a);
    expect(released).not.toHaveBeenCalled();
    await release(a); // a second release of the same handle gives nothing back twice
    expect(released).not.toHaveBeenCalled();
    await release(b);
    expect(released).toHaveBeenCalledTimes(1);
    await expect(run(b, {}, [])).rejects.toThrow(/released/);
    const c = await openModel({ card, graph: 'decoder', choice: 'wasm' });
    expect(create).toHaveBeenCalledTimes(2);
    await release(c);
    create.mockRestore();
  });

  it('the model file is downloaded once however often it is opened', () => {
    expect(requests.filter((u) => u.endsWith('/decoder.onnx'))).toHaveLength(1);
    expect(requests.filter((u) => u.endsWith('/tokens.onnx'))).toHaveLength(1);
  });
});
