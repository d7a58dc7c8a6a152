/**
 * What the ViT explorer reads from a model card: which outputs hold the probabilities, the patch
 * embeddings, the class token after every layer, the position embeddings and each layer's attention —
 * found by role and axis names, never by output names — and the patch geometry they imply.
 */
import { outputsWithRole, type ModelCard, type OutputSpec } from '../../lib/card';
import { imageInput } from './parts/grey-input';

export interface VitLayout {
  probs: string;
  /** (1, patches, channels) patch embeddings. */
  patches: OutputSpec;
  /** (1, layers, channels) the class token after each layer. */
  cls: OutputSpec;
  /** (tokens, channels) learned position embeddings, the class token's first. */
  pos: OutputSpec;
  /** (1, heads, tokens, tokens) per layer, in layer order. */
  attention: OutputSpec[];
  heads: number;
  tokens: number;
  /** Patches per side of the image, and pixels per side of a patch. */
  side: number;
  patch: number;
}

const withAxes = (outputs: OutputSpec[], axes: string[]) =>
  outputs.find((o) => JSON.stringify(o.axes) === JSON.stringify(axes));

export function vitLayout(card: ModelCard): VitLayout {
  const need = <T,>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`needs ${what}`);
    return value;
  };
  const probs = need(outputsWithRole(card, 'probabilities')[0], 'a probabilities output').name;
  const hidden = outputsWithRole(card, 'hidden_state');
  const patches = need(withAxes(hidden, ['batch', 'patch', 'channel']), 'a hidden_state output with axes [batch, patch, channel]');
  const cls = need(withAxes(hidden, ['batch', 'layer', 'channel']), 'a hidden_state output with axes [batch, layer, channel]');
  const pos = need(withAxes(outputsWithRole(card, 'weights'), ['token', 'channel']), 'a weights output with axes [token, channel]');
  const attention = outputsWithRole(card, 'attention').sort((a, b) => a.attention!.layer - b.attention!.layer);
  if (!attention.length) throw new Error('needs attention outputs');
  const [, heads, tokens] = attention[0]!.shape as number[];
  if (attention.some((o) => o.shape.join() !== attention[0]!.shape.join())) throw new Error('every layer’s attention must have the same shape');
  const side = Math.round(Math.sqrt(tokens! - 1));
  const { width, height } = imageInput(card).preprocess;
  if (side * side !== tokens! - 1 || width !== height || width % side) {
    throw new Error(`${tokens} tokens are not a class token and a square grid of patches of a ${width}×${height} image`);
  }
  if (patches.shape[1] !== side * side || pos.shape[0] !== tokens || cls.shape[1] !== attention.length) {
    throw new Error('patch embeddings, position embeddings and class-token states disagree with the attention’s tokens and layers');
  }
  return { probs, patches, cls, pos, attention, heads: heads!, tokens: tokens!, side, patch: width / side };
}
