/**
 * What the diffusion explorer reads from a model card: the denoiser's inputs by kind (the noisy image, the
 * timestep, the class), its noise output and feature maps by role, and the sampler's defaults and schedule
 * file from the card's `sampler` entry.
 */
import { graphOf, type InputSpec, type ModelCard, type OutputSpec } from '../../lib/card';
import type { Feed } from '../../lib/runtime';
import type { Feeds } from './parts/model-widget';

export interface DiffusionLayout {
  graph: string;
  x: InputSpec;
  t: InputSpec;
  cls: InputSpec;
  eps: string;
  features: OutputSpec[];
  sampler: NonNullable<ModelCard['sampler']>;
  /** Image side the model works at, from x's shape. */
  size: number;
}

export function diffusionLayout(card: ModelCard): DiffusionLayout {
  const graph = graphOf(card);
  const input = (kind: string) => {
    const found = graph.inputs.find((i) => i.kind === kind);
    if (!found) throw new Error(`needs a ${kind} input`);
    return found;
  };
  const x = input('state');
  const eps = graph.outputs.find((o) => o.role === 'noise');
  if (!eps) throw new Error('needs a noise output');
  if (!card.sampler) throw new Error('needs a sampler entry (its defaults and schedule file)');
  const size = x.shape.at(-1);
  if (typeof size !== 'number' || x.shape.at(-2) !== size) throw new Error('the noisy image must be square, of fixed size');
  return {
    graph: graph.name, x, t: input('timestep'), cls: input('class_id'), eps: eps.name,
    features: graph.outputs.filter((o) => o.role === 'feature_map'), sampler: card.sampler, size,
  };
}

/** The denoiser's feeds for a batch: B images (flat, one after the other), a timestep and a class each. */
export function denoiserFeeds(d: DiffusionLayout, images: Float32Array, times: number[], classes: number[]): Feeds {
  const ints = (spec: InputSpec, values: number[]): Feed =>
    spec.dtype === 'int64'
      ? { dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) }
      : { dtype: 'int32', dims: [values.length], data: Int32Array.from(values) };
  return {
    [d.x.name]: { dtype: 'float32', dims: [classes.length, 1, d.size, d.size], data: images },
    [d.t.name]: ints(d.t, times),
    [d.cls.name]: ints(d.cls, classes),
  };
}
