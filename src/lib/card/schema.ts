/**
 * The model card (public/models/<slug>/card.json): the contract between a training script and the site.
 * A widget reads everything it knows about a model from here — its graphs and their typed inputs and
 * outputs, labels, the files that ship beside it, and the numbers the script measured.
 *
 * This zod schema is the one definition. `npm run schema` writes it as JSON Schema to card.schema.json
 * beside this file; training/common validates every card against that file before writing it, and a unit
 * test fails when the two drift apart.
 */
import { z } from '../zod';
import { DTYPES, OUTPUT_ROLES, SAMPLER_METHODS, SSM_QUANTITIES } from './constants';

const bilingual = z
  .object({ en: z.string().min(1), zh: z.string().min(1) })
  .describe('The same text in English and in Chinese');

const sha256 = z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the file, 64 lower-case hex digits');

/** A dimension: a fixed size, or a name shared by every tensor whose size varies with it ("seq"). */
const dim = z.union([
  z.number().int().positive(),
  z.string().regex(/^[a-z][a-z0-9_]*$/).describe('A symbolic size, e.g. "seq": equal wherever the same name appears'),
]);
const shape = z.array(dim).min(1).describe('Dimensions, outermost first');

const dtype = z.enum(DTYPES).describe('Element type of the tensor, as the ONNX graph declares it');

export const preprocessSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.number().int().positive(),
    colour: z.string().optional().describe('"grey" or "rgb"'),
    pixel_range: z.tuple([z.number(), z.number()]).describe('Pixel values after scaling, before mean/std'),
    mean: z.array(z.number()).describe('Per-channel mean subtracted after scaling'),
    std: z.array(z.number().positive()).describe('Per-channel standard deviation divided by'),
    background: z.enum(['dark', 'light']).describe('Training images are light on dark ("dark"); other uploads are inverted'),
    note: z.string().optional(),
  })
  .refine((p) => p.mean.length === p.channels && p.std.length === p.channels, 'mean and std need one number per channel')
  .describe('How an image becomes the input tensor; the browser repeats exactly this arithmetic');

const inputBase = {
  name: z.string().min(1).describe('Input name in the ONNX graph'),
  shape,
  label: bilingual.optional(),
};

/** What a graph input is, so a widget knows how to make it. */
export const inputSchema = z.discriminatedUnion('kind', [
  z.object({ ...inputBase, kind: z.literal('image'), dtype: z.literal('float32'), preprocess: preprocessSchema })
    .describe('An image, made from pixels by `preprocess`'),
  z.object({ ...inputBase, kind: z.literal('tokens'), dtype: z.enum(['int64', 'int32']), vocab: z.string().min(1).describe('Vocabulary file in the model folder, listed in `files`') })
    .describe('Token ids of a text'),
  z.object({ ...inputBase, kind: z.literal('timestep'), dtype: z.enum(['int64', 'float32']) })
    .describe('A diffusion timestep'),
  z.object({ ...inputBase, kind: z.literal('class_id'), dtype: z.enum(['int64', 'int32']) })
    .describe('A class to condition on'),
  z.object({
    ...inputBase,
    kind: z.literal('state'),
    dtype,
    from: z.string().min(1).optional().describe('The output of this graph whose value feeds this input at the next run (a recurrent state); absent when another graph or the widget makes it'),
  }).describe('A tensor one run hands to the next: encoder memory, a noisy sample, a recurrent state'),
]);


export const outputSchema = z
  .object({
    name: z.string().min(1).describe('Output name in the ONNX graph'),
    shape,
    dtype: dtype.optional().describe('Defaults to float32'),
    role: z.enum(OUTPUT_ROLES).describe('What the output means, which decides how a viewer draws it'),
    label: bilingual,
    axes: z.array(z.string().min(1)).optional().describe('A name per dimension, e.g. ["batch", "head", "query", "key"]'),
    attention: z
      .object({
        kind: z.string().regex(/^[a-z][a-z0-9_]*$/).describe('Which attention: outputs of one kind, one per layer, form a group ("enc_self")'),
        label: bilingual.describe('The kind’s name for a selector, e.g. "decoder: cross-attention"'),
        layer: z.number().int().positive().describe('Layer number, from 1'),
      })
      .optional()
      .describe('For attention outputs: the kind and layer, so a viewer can offer every kind, layer and head'),
    ssm: z
      .object({
        quantity: z.enum(SSM_QUANTITIES).describe('Δ (step size per channel), B or C (input and output matrices), or h (the state)'),
        layer: z.number().int().nonnegative().describe('Layer number, from 1; 0 when the output stacks every layer on its first axis'),
      })
      .optional()
      .describe('For ssm outputs: which quantity of which layer'),
    receptive_field: z
      .object({
        starts: z.array(z.number().int().nonnegative()),
        ends: z.array(z.number().int().positive()),
      })
      .optional()
      .describe('For square feature maps: unit i along either axis sees input pixels starts[i] <= p < ends[i] along it, cut to the image'),
  })
  .refine((o) => !o.axes || o.axes.length === o.shape.length, 'axes needs one name per dimension')
  .refine((o) => o.role !== 'attention' || (o.axes && o.attention), 'attention outputs must name their axes and their attention kind and layer')
  .refine((o) => o.role !== 'ssm' || (o.axes && o.ssm), 'ssm outputs must name their axes and their quantity and layer')
  .refine((o) => {
    const rf = o.receptive_field;
    const side = o.shape[o.shape.length - 1];
    return !rf || (o.role === 'feature_map' && rf.starts.length === side && rf.ends.length === side && rf.starts.every((s, i) => s < rf.ends[i]!));
  }, 'a receptive field belongs to a feature map and gives one window [start, end) per unit along its last axis');

export const graphSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/).describe('How widgets refer to the graph: "model", "encoder", "decoder", "step"'),
    file: z.string().regex(/^[\w.-]+\.onnx$/).describe('ONNX file in the model folder'),
    sha256,
    bytes: z.number().int().positive(),
    inputs: z.array(inputSchema).min(1),
    outputs: z.array(outputSchema).min(1),
    cpu_ops: z
      .object({ ops: z.array(z.string().min(1)).min(1), why: bilingual })
      .optional()
      .describe('Operators onnxruntime-web runs on the CPU even under WebGPU, and why; the e2e profile check allows these and no others'),
  })
  .describe('One ONNX graph of the model');

const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, 'must be [low, high]');

/** training/common/scenes.py's RECIPE; src/lib/input/scene.ts composes scenes in the browser from it. */
export const sceneRecipeSchema = z
  .object({
    size: z.number().int().positive().describe('Side of a square scene in pixels'),
    count: range.describe('Garments per scene, inclusive'),
    scale: range.describe('Side of a pasted garment in pixels'),
    gain: range.describe('Garment brightness factor'),
    max_overlap: z.number().min(0).max(1).describe('Largest share of a new garment’s mask that may cover earlier ones'),
    tries: z.number().int().positive().describe('Placements tried per garment before it is skipped'),
    mask_threshold: z.number().describe('A resized garment pixel above this belongs to its mask'),
    background: z.object({ base: range, waves: z.number().int().nonnegative(), amplitude: range, frequency: z.number().int().nonnegative() }),
    noise_std: z.number().nonnegative().describe('Gaussian noise over the whole scene'),
  })
  .describe('How the synthetic segmentation scenes are composed');

const samplerMethod = z.enum(SAMPLER_METHODS).describe('"ddim": DDIM with eta 0, deterministic; "ddpm": ancestral sampling, fresh noise every step');
const guidance = z.number().describe('Classifier-free guidance scale w in eps = eps_null + w (eps_class - eps_null): 1 is the class alone, 0 no class');

/** A diffusion model's sampler: what the page starts with, and where the noise schedule is. */
export const samplerSchema = z
  .object({
    method: samplerMethod,
    steps: z.number().int().positive().describe('Denoising steps, evenly spaced over the timesteps 0 … T-1'),
    guidance,
    clip_x0: z.boolean().describe('Whether every step clips its estimate of the clean image x^_0 to the pixel range [-1, 1]'),
    null_class: z.number().int().nonnegative().describe('The class id that stands for "no class": the unconditional prediction guidance needs'),
    schedule: z.string().regex(/^[\w.-]+\.json$/).describe('Noise schedule in the model folder (T and alphas_cumprod for every t), listed in `files`'),
  })
  .describe('Sampler defaults of a diffusion model and its noise schedule');

const rate = z.number().min(0).max(1);
const perClass = (what: string) => z.array(z.number()).min(1).describe(`${what}, one number per label`);
const perClassRate = (what: string) => z.array(rate).min(1).describe(`${what}, one number per label, in [0, 1]`);

/** How good a generative model's samples are, judged by a shipped classifier (summary numbers are in `metrics`). */
export const qualitySchema = z
  .object({
    classifier: z
      .object({
        slug: z.string().regex(/^[a-z0-9-]+$/).describe('The judging model’s folder under public/models/'),
        title: bilingual,
        file: z.string().min(1).describe('Its ONNX file, relative to the repository'),
        sha256: sha256.describe('SHA-256 of that file when the samples were judged'),
        test_accuracy: rate.describe('Its own test accuracy'),
      })
      .describe('The shipped classifier that judged the samples'),
    sampler: z
      .object({
        method: samplerMethod,
        eta: z.number().nonnegative().describe('DDIM’s eta (0: deterministic)'),
        steps: z.number().int().positive().describe('Denoising steps per sample'),
        guidance,
        unguided_guidance: z.number().describe('The guidance scale of the comparison run (1: the class alone)'),
        clip_x0: z.boolean().describe('Whether x^_0 was clipped to [-1, 1] at every step'),
        seed: z.number().int().describe('Seed of the start noise'),
        per_class: z.number().int().positive().describe('Samples drawn per class'),
        seconds: z.number().nonnegative().describe('Time spent drawing them'),
      })
      .describe('How the judged samples were drawn'),
    per_class_agreement: perClassRate('Share of the guided samples of each class that the classifier assigns to that class'),
    per_class_agreement_unguided: perClassRate('The same for the unguided samples'),
    per_class_confidence: perClassRate('The classifier’s mean probability of the class asked for, guided samples'),
    per_class_diversity_samples: perClass('Mean pairwise L2 distance between the samples of each class (pixels in [0, 1])'),
    per_class_diversity_test: perClass('The same between test images of each class, for comparison'),
    note: bilingual.describe('How the figures were measured, in both languages'),
  })
  .loose()
  .describe('Quality of a generative model’s samples; the summary numbers are in metrics');

/** training/mamba.py's selective-copying task; the widget draws fresh sequences by the same rules. */
export const copyTaskSchema = z
  .object({
    body: z.number().int().positive().describe('Positions of noise among which the symbols are placed'),
    memorise: z.number().int().positive().describe('Symbols to remember, at random sorted places in the body; as many recall markers follow'),
    symbols: z.number().int().positive().describe('Size of the alphabet they are drawn from: token ids 2 … symbols + 1'),
    noise: z.number().int().nonnegative().describe('Token id of a noise position'),
    recall: z.number().int().nonnegative().describe('Token id of a recall marker'),
    selective: z.boolean().describe('Whether Δ, B and C depend on the input (false: the time-invariant twin)'),
    note: bilingual.describe('The task in words'),
    ssm: bilingual.describe('What kind of SSM the model has'),
  })
  .refine((t) => t.memorise <= t.body, 'cannot place more symbols than there are positions')
  .describe('A selective-copying task: symbols among noise, then recall markers at which they are to be output in order');

const fileEntry = z.object({ sha256, bytes: z.number().int().positive() });

export const cardSchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9-]+$/).describe('Folder name under public/models/'),
    title: bilingual,
    widget: z.string().regex(/^[a-z][a-z-]*$/).describe('The widget kind that shows this model: a key of src/components/widgets/registry.ts'),
    architecture: z.string().min(1).describe('One line on what was kept and what was changed from the paper'),
    script: z.string().min(1).describe('The training script, relative to the repository'),
    graphs: z.array(graphSchema).min(1),
    params: z.number().int().positive(),
    macs: z.number().int().nonnegative().describe('Multiply-accumulates of one forward pass of the whole model'),
    flops: z.number().int().nonnegative().describe('2 × macs'),
    flops_note: bilingual.describe('What the count includes and what it leaves out, in both languages'),
    labels: z.object({ en: z.array(z.string().min(1)), zh: z.array(z.string().min(1)) }).optional()
      .describe('Class names, in the order of the class axis'),
    metrics: z.record(z.string(), z.number()).describe('What the script measured; rates lie in [0, 1]'),
    files: z.record(z.string().regex(/^[\w.-]+$/), fileEntry).describe('Every other shipped file of the folder (samples, golden tensors, vocabularies) with its hash'),
    samples: z
      .object({
        file: z.string().describe('Shipped inputs (samples.json)'),
        golden: z.string().describe('PyTorch’s outputs for some of them (golden.json)'),
        predictions: z.array(z.number().int()).optional().describe('PyTorch’s class for every shipped sample'),
        confidences: z.array(z.number()).optional(),
      })
      .loose()
      .describe('Shipped inputs and what PyTorch computed for them'),
    scene: sceneRecipeSchema.optional(),
    sampler: samplerSchema.optional(),
    quality: qualitySchema.optional(),
    task: copyTaskSchema.optional(),
    class_iou: z.array(z.number()).optional().describe('Per-class IoU on the held-out scenes'),
    data: z.object({ name: z.string().min(1), license: z.string().min(1) }).loose(),
    training: z.object({ script: z.string(), seconds: z.number(), seed: z.number().int(), torch: z.string() }).loose(),
    created: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  })
  .superRefine((card, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const names = card.graphs.map((g) => g.name);
    if (new Set(names).size !== names.length) problem(['graphs'], 'graph names must be unique');
    for (const key of ['file', 'golden'] as const) {
      if (!(card.samples[key] in card.files)) problem(['samples', key], `${card.samples[key]} is not listed in files`);
    }
    card.graphs.forEach((g, gi) =>
      g.inputs.forEach((input, ii) => {
        if (input.kind === 'tokens' && !(input.vocab in card.files)) problem(['graphs', gi, 'inputs', ii, 'vocab'], `${input.vocab} is not listed in files`);
        if (input.kind === 'state' && input.from !== undefined) {
          const source = g.outputs.find((o) => o.name === input.from);
          if (!source) problem(['graphs', gi, 'inputs', ii, 'from'], `${input.from} is not an output of graph ${g.name}`);
          else if (source.shape.join() !== input.shape.join()) problem(['graphs', gi, 'inputs', ii, 'from'], `${input.from} has shape [${source.shape.join(', ')}], not the input's`);
        }
      }),
    );
    if (card.sampler && !(card.sampler.schedule in card.files)) problem(['sampler', 'schedule'], `${card.sampler.schedule} is not listed in files`);
    for (const [key, value] of Object.entries(card.metrics)) {
      if (/accuracy|iou|error|exact_match|agreement|confidence/.test(key) && (value < 0 || value > 1)) problem(['metrics', key], 'is a rate and must lie in [0, 1]');
    }
    if (card.labels && card.labels.en.length !== card.labels.zh.length) problem(['labels'], 'en and zh must have the same length');
    if (card.class_iou && card.class_iou.length !== card.labels?.en.length) problem(['class_iou'], 'needs one number per label');
    if (card.quality) {
      for (const key of ['per_class_agreement', 'per_class_agreement_unguided', 'per_class_confidence', 'per_class_diversity_samples', 'per_class_diversity_test'] as const) {
        if (card.quality[key].length !== card.labels?.en.length) problem(['quality', key], 'needs one number per label');
      }
    }
    const image = card.graphs[0]!.inputs.find((i) => i.kind === 'image');
    if (card.scene && (!image || card.scene.size !== image.preprocess.width || card.scene.size !== image.preprocess.height)) {
      problem(['scene', 'size'], 'must be the image input’s width and height');
    }
  })
  .describe('Net Atlas model card');

export type ModelCard = z.infer<typeof cardSchema>;
export type GraphSpec = ModelCard['graphs'][number];
export type InputSpec = z.infer<typeof inputSchema>;
export type OutputSpec = z.infer<typeof outputSchema>;
export type OutputRole = (typeof OUTPUT_ROLES)[number];
export type DType = (typeof DTYPES)[number];
export type Preprocess = z.infer<typeof preprocessSchema>;
export type Dim = z.infer<typeof dim>;
export type Bilingual = z.infer<typeof bilingual>;
export type SceneRecipe = z.infer<typeof sceneRecipeSchema>;
export type SamplerSpec = z.infer<typeof samplerSchema>;
export type SamplerMethod = (typeof SAMPLER_METHODS)[number];
export type Quality = z.infer<typeof qualitySchema>;
export type CopyTask = z.infer<typeof copyTaskSchema>;
