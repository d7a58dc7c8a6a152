import { describe, expect, it } from 'vitest';
import { summariseProfile } from '../../src/lib/runtime/ort';
import { compareOutput } from '../../src/lib/runtime/golden';
import { asWidgetError, WidgetError } from '../../src/lib/runtime/errors';

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

describe('golden comparison', () => {
  const fp = { shape: [1, 4], mean: 2.5, absmax: 4, idx: [0, 1, 2, 3], val: [1, 2, 3, 4] };
  const tol = { atol: 1e-4, rtol: 1e-3 };
  it('accepts values within tolerance', () => {
    const r = compareOutput('s', 'o', { dims: [1, 4], data: [1.00005, 2, 3.002, 4] }, fp, tol);
    expect(r.ok).toBe(true);
    expect(r.maxAbs).toBeCloseTo(0.002, 6);
  });
  it('rejects a wrong value, a wrong shape and NaN', () => {
    expect(compareOutput('s', 'o', { dims: [1, 4], data: [1, 2, 3.1, 4] }, fp, tol).ok).toBe(false);
    expect(compareOutput('s', 'o', { dims: [4, 1], data: [1, 2, 3, 4] }, fp, tol).ok).toBe(false);
    expect(compareOutput('s', 'o', { dims: [1, 4], data: [NaN, 2, 3, 4] }, fp, tol).ok).toBe(false);
  });
});

describe('widget errors', () => {
  it('keeps a WidgetError and wraps anything else as a run error with its message', () => {
    const e = new WidgetError('error.notImage');
    expect(asWidgetError(e)).toBe(e);
    const wrapped = asWidgetError(new Error('boom'));
    expect(wrapped.key).toBe('error.run');
    expect(wrapped.vars.detail).toBe('boom');
  });
});
