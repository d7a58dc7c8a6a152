// The closed lists a card's fields draw from. Apart from schema.ts so that the browser can use them
// without loading zod: the site validates every card when it is built and hands widgets the result.

export const DTYPES = ['float32', 'int64', 'int32', 'bool'] as const;

export const OUTPUT_ROLES = [
  'probabilities', // class probabilities (softmax), classes on axis 1
  'logits', // unnormalised scores, e.g. next-token logits
  'feature_map', // (B, C, H, W) activations of a layer
  'weights', // learned parameters shown as pictures (first-layer filters)
  'mask', // a class id per pixel
  'attention', // attention weights; `axes` names every dimension
  'hidden_state', // per-token vectors of a sequence model
  'block_ratios', // one number per residual block: |F(x)| / |x|
  'state', // what one run hands to the next (encoder memory, x_{t-1}, a recurrent state)
  'noise', // a diffusion model's estimate of the noise in its input x_t (same shape as x_t)
  'ssm', // a selective state-space layer's step size Δ, input or output matrix B, C, or state h; `ssm` says which
] as const;

export const SSM_QUANTITIES = ['delta', 'B', 'C', 'h'] as const;

export const SAMPLER_METHODS = ['ddim', 'ddpm'] as const;
