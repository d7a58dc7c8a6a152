/** The runtime's logic that needs no onnxruntime: feed checks, the loop helper, errors, profiles. */
import { describe, expect, it } from 'vitest';
import { summariseProfile } from '../../src/lib/runtime/ort';
import { StoppedError, WidgetError, asWidgetError, isAbort, isRetryable } from '../../src/lib/runtime/errors';
import { checkFeeds, checkFetches, type Feed } from '../../src/lib/runtime/feeds';
import { runLoop } from '../../src/lib/runtime/loop';
import { graphOf, type GraphSpec } from '../../src/lib/card';
import { fixtureCard } from './runtime-server';

describe('profile summary', () => {
  it('counts kernels per provider from onnxruntime’s profile lines', () => {
    const lines = [
      '[',
      '{"cat" : "Session","name" :"model_run","args" : {}},',
      '{"cat" : "Node","name" :"/conv1/Conv_kernel_time","args" : {"input_type_shape" : [{"float":[1,1,28,28]}],"op_name" : "FusedConv","provider" : "WebGpuExecutionProvider"}},',
      '{"cat" : "Node","name" :"/Softmax_kernel_time","args" : {"op_name" : "Softmax","provider" : "WebGpuExecutionProvider"}},',
      '{"cat" : "Node","name" :"/Shape_kernel_time","args" : {"op_name" : "Shape","provider" : "CPUExecutionProvider"}}',
      ']',
    ];
    expect(summariseProfile(lines)).toEqual({
      WebGpuExecutionProvider: { count: 2, ops: ['FusedConv', 'Softmax'] },
      CPUExecutionProvider: { count: 1, ops: ['Shape'] },
    });
  });
});

describe('widget errors', () => {
  it('keeps a WidgetError and wraps anything else as a run error with its message', () => {
    const e = new WidgetError('error.notImage');
    expect(asWidgetError(e)).toBe(e);
    const wrapped = asWidgetError(new Error('boom'));
    expect(wrapped.key).toBe('error.run');
    expect(wrapped.vars.detail).toBe('boom');
    // onnxruntime's WebAssembly side can throw a bare number (an Emscripten exception pointer).
    expect(asWidgetError(9943928).vars.detail).toBe('9943928');
  });

  it('tells "stopped" from a failure, and which failures a retry may cure', () => {
    expect(isAbort(new StoppedError())).toBe(true);
    expect(isAbort(new DOMException('aborted', 'AbortError'))).toBe(true);
    expect(isAbort(new WidgetError('error.run', { detail: 'x' }))).toBe(false);
    expect(isAbort(new Error('AbortError'))).toBe(false);
    expect(isRetryable(new WidgetError('error.downloadCut', { file: 'model.onnx' }))).toBe(true);
    expect(isRetryable(new WidgetError('error.runtimeDownload'))).toBe(true);
    expect(isRetryable(new WidgetError('error.modelCorrupt', { file: 'model.onnx' }))).toBe(false);
    expect(isRetryable(new StoppedError())).toBe(false);
  });
});

describe('feed checks against the card', () => {
  const card = fixtureCard();
  const decoder = graphOf(card, 'decoder'); // memory float32 [1, src, 8], ids int64 [1, seq]
  const step = graphOf(card, 'step'); // state float32 [1, 8], token int64 [1, 1]
  const memory = (src: number): Feed => ({ dtype: 'float32', dims: [1, src, 8], data: new Float32Array(src * 8) });
  const ids = (seq: number): Feed => ({ dtype: 'int64', dims: [1, seq], data: new BigInt64Array(seq) });
  const failure = (graph: GraphSpec, feeds: Record<string, Feed>) => {
    try {
      checkFeeds(graph, feeds);
    } catch (err) {
      return { key: (err as WidgetError).key, vars: (err as WidgetError).vars };
    }
    return null;
  };

  it('accepts feeds that fit, each symbolic size free where it appears once', () => {
    expect(failure(decoder, { memory: memory(6), ids: ids(3) })).toBeNull();
    expect(failure(decoder, { memory: memory(1), ids: ids(11) })).toBeNull();
    expect(failure(step, { state: { dtype: 'float32', dims: [1, 8], data: new Float32Array(8) }, token: ids(1) })).toBeNull();
  });

  it('names a missing input and an unknown one', () => {
    expect(failure(decoder, { ids: ids(3) })).toEqual({ key: 'error.inputMissing', vars: { name: 'memory' } });
    expect(failure(decoder, { memory: memory(6), ids: ids(3), mask: ids(3) })).toEqual({
      key: 'error.inputUnknown', vars: { name: 'mask', known: 'memory, ids' },
    });
  });

  it('names an input of the wrong dtype, or whose array does not match its dtype', () => {
    expect(failure(decoder, { memory: memory(6), ids: { dtype: 'int32', dims: [1, 3], data: new Int32Array(3) } })).toEqual({
      key: 'error.inputType', vars: { name: 'ids', want: 'int64', got: 'int32' },
    });
    expect(failure(decoder, { memory: memory(6), ids: { dtype: 'int64', dims: [1, 3], data: new Float32Array(3) } })).toEqual({
      key: 'error.inputType', vars: { name: 'ids', want: 'BigInt64Array', got: 'Float32Array' },
    });
  });

  it('names an input of the wrong rank or fixed size, or whose data does not fill its dims', () => {
    const state = (dims: number[], n = dims.reduce((a, b) => a * b, 1)): Feed => ({ dtype: 'float32', dims, data: new Float32Array(n) });
    expect(failure(step, { state: state([8]), token: ids(1) })).toEqual({ key: 'error.inputShape', vars: { name: 'state', want: '[1, 8]', got: '[8]' } });
    expect(failure(step, { state: state([1, 7]), token: ids(1) })).toEqual({ key: 'error.inputShape', vars: { name: 'state', want: '[1, 8]', got: '[1, 7]' } });
    expect(failure(step, { state: state([1, 8]), token: ids(2) })).toEqual({ key: 'error.inputShape', vars: { name: 'token', want: '[1, 1]', got: '[1, 2]' } });
    expect(failure(step, { state: state([1, 8], 9), token: ids(1) })).toEqual({
      key: 'error.inputSize', vars: { name: 'state', shape: '[1, 8]', got: 9, want: 8 },
    });
  });

  it('names the input whose symbolic size disagrees with an earlier input', () => {
    // The same graph with the memory as long as the token sequence (as a self-attention mask would be).
    const shared: GraphSpec = { ...decoder, inputs: decoder.inputs.map((i) => (i.name === 'memory' ? { ...i, shape: [1, 'seq', 8] } : i)) };
    expect(failure(shared, { memory: memory(4), ids: ids(4) })).toBeNull();
    expect(failure(shared, { memory: memory(4), ids: ids(5) })).toEqual({
      key: 'error.inputDim', vars: { name: 'ids', dim: 'seq', got: 5, other: 'memory', want: 4 },
    });
  });

  it('names a fetched output the graph does not have', () => {
    expect(() => checkFetches(decoder, ['logits', 'attention'])).not.toThrow();
    expect(() => checkFetches(decoder, ['attn'])).toThrow(expect.objectContaining({ key: 'error.outputUnknown', vars: { name: 'attn', known: 'logits, attention' } }));
  });
});

describe('runLoop', () => {
  it('stops between steps when aborted: a 20-step loop stopped after step 5 ran 5 steps', async () => {
    const controller = new AbortController();
    const ran: number[] = [];
    const reported: number[] = [];
    const result = await runLoop({
      total: 20,
      signal: controller.signal,
      step: async (i) => {
        ran.push(i);
        return i * i;
      },
      onStep: ({ index, total, value }) => {
        expect(total).toBe(20);
        expect(value).toBe(index * index);
        reported.push(index);
        if (index === 4) controller.abort();
      },
    });
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(reported).toEqual([0, 1, 2, 3, 4]);
    expect(result).toEqual({ values: [0, 1, 4, 9, 16], stopped: true });
  });

  it('runs all steps when not stopped, and ends early (not stopped) at `until`', async () => {
    expect(await runLoop({ total: 3, step: async (i) => i })).toEqual({ values: [0, 1, 2], stopped: false });
    const early = await runLoop({ total: 10, step: async (i) => i * 2, until: (v) => v === 6 });
    expect(early).toEqual({ values: [0, 2, 4, 6], stopped: false });
  });

  it('treats a step that throws an abort as stopped and lets other errors through', async () => {
    const stoppedAt2 = await runLoop({ total: 5, step: async (i) => { if (i === 2) throw new StoppedError(); return i; } });
    expect(stoppedAt2).toEqual({ values: [0, 1], stopped: true });
    await expect(runLoop({ total: 5, step: async (i) => { if (i === 1) throw new WidgetError('error.run', { detail: 'x' }); return i; } }))
      .rejects.toMatchObject({ key: 'error.run' });
  });

  it('takes no step when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    expect(await runLoop({ total: 5, signal: controller.signal, step: async () => ++calls })).toEqual({ values: [], stopped: true });
    expect(calls).toBe(0);
  });

  it('yields to the page between steps: a timer set during a step fires before the next step', async () => {
    const order: string[] = [];
    await runLoop({
      total: 3,
      step: async (i) => {
        order.push(`step ${i}`);
        setTimeout(() => order.push(`timer ${i}`), 0);
      },
    });
    expect(order.slice(0, 5)).toEqual(['step 0', 'timer 0', 'step 1', 'timer 1', 'step 2']);
  });
});
