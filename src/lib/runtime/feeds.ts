/** A graph's inputs as the widgets hand them over, checked against what the card says the graph takes,
 * so that a wrong feed fails with a message naming the input instead of deep inside onnxruntime. */
import type { DType, GraphSpec } from '../card';
import { WidgetError } from './errors';

export type { DType };

/** One named input: int64 as BigInt64Array, bool as one byte (0 or 1) per element. */
export interface Feed {
  dtype: DType;
  dims: readonly number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

const ARRAY: Record<DType, { new (n: number): Feed['data']; name: string }> = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

const shapeText = (dims: readonly (number | string)[]) => `[${dims.join(', ')}]`;

/** Throws WidgetError 'error.input…' {name, …} for the first feed that does not fit `graph`: a missing or
 * unknown input, another dtype or array type, another rank or fixed size, a data length that is not the
 * product of the dims, or a symbolic size ("seq") that differs from its size in an earlier input. */
export function checkFeeds(graph: GraphSpec, feeds: Record<string, Feed>): void {
  const symbols = new Map<string, { size: number; input: string }>();
  for (const spec of graph.inputs) {
    const name = spec.name;
    const feed = feeds[name];
    if (!feed) throw new WidgetError('error.inputMissing', { name });
    if (feed.dtype !== spec.dtype) throw new WidgetError('error.inputType', { name, want: spec.dtype, got: String(feed.dtype) });
    if (!(feed.data instanceof ARRAY[spec.dtype])) {
      throw new WidgetError('error.inputType', { name, want: ARRAY[spec.dtype].name, got: feed.data?.constructor?.name ?? typeof feed.data });
    }
    const badShape = () => new WidgetError('error.inputShape', { name, want: shapeText(spec.shape), got: shapeText(feed.dims) });
    if (feed.dims.length !== spec.shape.length || !feed.dims.every((d) => Number.isInteger(d) && d >= 0)) throw badShape();
    spec.shape.forEach((dim, axis) => {
      const size = feed.dims[axis]!;
      if (typeof dim === 'number') {
        if (size !== dim) throw badShape();
        return;
      }
      const seen = symbols.get(dim);
      if (!seen) symbols.set(dim, { size, input: name });
      else if (seen.size !== size) throw new WidgetError('error.inputDim', { name, dim, got: size, other: seen.input, want: seen.size });
    });
    const count = feed.dims.reduce((a, b) => a * b, 1);
    if (feed.data.length !== count) throw new WidgetError('error.inputSize', { name, shape: shapeText(feed.dims), got: feed.data.length, want: count });
  }
  for (const name of Object.keys(feeds)) {
    if (!graph.inputs.some((i) => i.name === name)) {
      throw new WidgetError('error.inputUnknown', { name, known: graph.inputs.map((i) => i.name).join(', ') });
    }
  }
}

/** Throws WidgetError 'error.outputUnknown' for a fetched name the graph does not output. */
export function checkFetches(graph: GraphSpec, fetches: readonly string[]): void {
  for (const name of fetches) {
    if (!graph.outputs.some((o) => o.name === name)) {
      throw new WidgetError('error.outputUnknown', { name, known: graph.outputs.map((o) => o.name).join(', ') });
    }
  }
}
