/** The model card (public/models/<slug>/card.json): the contract between a training script and the
 * widgets. Written by training/common/export.py; checked here before anything trusts it. */

import type { SceneRecipe } from '../input/scene';

export type OutputKind = 'probabilities' | 'logits' | 'feature_map' | 'weights' | 'mask' | 'sequence';
export type Bilingual = { en: string; zh: string };

export interface TensorSpec {
  name: string;
  shape: number[];
}
export interface OutputSpec extends TensorSpec {
  kind: OutputKind;
  label: Bilingual;
}
export interface Preprocess {
  width: number;
  height: number;
  channels: number;
  pixel_range: [number, number];
  mean: number[];
  std: number[];
  /** 'dark': training images are light objects on a dark background; lighter-background uploads are inverted. */
  background: 'dark' | 'light';
}
export interface ModelCard {
  /** How a segmentation model's training scenes were composed (training/common/scenes.py). */
  scene?: SceneRecipe;
  /** Per-class IoU of a segmentation model on its held-out scenes. */
  class_iou?: number[];
  slug: string;
  title: Bilingual;
  sha256: string;
  bytes: number;
  params: number;
  flops: number;
  preprocess: Preprocess;
  inputs: (TensorSpec & { dtype: string })[];
  outputs: OutputSpec[];
  labels: { en: string[]; zh: string[] };
  metrics: Record<string, number>;
  samples: { file: string; golden: string; predictions: number[]; confidences: number[] };
  data: { name: string; package: string; license: string };
  training: { script: string; epochs: number; seconds: number; seed: number; torch: string };
}

const KINDS: readonly OutputKind[] = ['probabilities', 'logits', 'feature_map', 'weights', 'mask', 'sequence'];

class CardError extends Error {}

function need(cond: unknown, path: string, what: string): asserts cond {
  if (!cond) throw new CardError(`${path}: ${what}`);
}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((d) => Number.isInteger(d) && d > 0);
const isBilingual = (v: unknown): v is Bilingual => isObj(v) && isStr(v.en) && isStr(v.zh);

/** Validates parsed card JSON; throws an Error naming the first bad field. */
export function parseCard(raw: unknown): ModelCard {
  need(isObj(raw), 'card', 'must be a JSON object');
  need(isStr(raw.slug) && /^[a-z0-9-]+$/.test(raw.slug), 'slug', 'must be a kebab-case string');
  need(isBilingual(raw.title), 'title', 'needs en and zh');
  need(typeof raw.sha256 === 'string' && /^[0-9a-f]{64}$/.test(raw.sha256), 'sha256', 'must be 64 hex digits');
  for (const key of ['bytes', 'params', 'flops'] as const) need(isNum(raw[key]) && raw[key] > 0, key, 'must be a positive number');

  const pre = raw.preprocess;
  need(isObj(pre), 'preprocess', 'missing');
  for (const key of ['width', 'height', 'channels'] as const) need(Number.isInteger(pre[key]), `preprocess.${key}`, 'must be an integer');
  need(Array.isArray(pre.pixel_range) && pre.pixel_range.length === 2 && pre.pixel_range.every(isNum), 'preprocess.pixel_range', 'must be [low, high]');
  for (const key of ['mean', 'std'] as const) {
    const v = pre[key];
    need(Array.isArray(v) && v.length === pre.channels && v.every(isNum), `preprocess.${key}`, 'needs one number per channel');
  }
  need((pre.std as number[]).every((s) => s > 0), 'preprocess.std', 'must be positive');
  need(pre.background === 'dark' || pre.background === 'light', 'preprocess.background', 'must be "dark" or "light"');

  need(Array.isArray(raw.inputs) && raw.inputs.length > 0, 'inputs', 'must list the model inputs');
  raw.inputs.forEach((inp: unknown, i: number) => {
    need(isObj(inp) && isStr(inp.name) && isShape(inp.shape), `inputs[${i}]`, 'needs name and shape');
  });
  need(Array.isArray(raw.outputs) && raw.outputs.length > 0, 'outputs', 'must list the model outputs');
  raw.outputs.forEach((out: unknown, i: number) => {
    need(isObj(out) && isStr(out.name) && isShape(out.shape), `outputs[${i}]`, 'needs name and shape');
    need(KINDS.includes(out.kind as OutputKind), `outputs[${i}].kind`, `must be one of ${KINDS.join(', ')}`);
    need(isBilingual(out.label), `outputs[${i}].label`, 'needs en and zh');
  });

  const labels = raw.labels;
  need(isObj(labels) && Array.isArray(labels.en) && Array.isArray(labels.zh), 'labels', 'needs en and zh lists');
  need(labels.en.length === labels.zh.length && labels.en.length > 0, 'labels', 'en and zh must have the same, non-zero length');

  need(isObj(raw.metrics) && Object.keys(raw.metrics).length > 0, 'metrics', 'must hold measured numbers');
  for (const [key, value] of Object.entries(raw.metrics)) {
    need(isNum(value), `metrics.${key}`, 'must be a number');
    if (/accuracy|iou|error/.test(key)) need(value >= 0 && value <= 1, `metrics.${key}`, 'is a rate and must lie in [0, 1]');
  }
  const samples = raw.samples;
  need(isObj(samples) && isStr(samples.file) && isStr(samples.golden), 'samples', 'needs file and golden');
  need(Array.isArray(samples.predictions) && samples.predictions.every(Number.isInteger), 'samples.predictions', 'must be class ids');
  need(isObj(raw.data) && isStr(raw.data.name) && isStr(raw.data.license), 'data', 'needs name and license');
  const tr = raw.training;
  need(isObj(tr) && isStr(tr.script) && isNum(tr.epochs) && isNum(tr.seconds) && isNum(tr.seed), 'training', 'needs script, epochs, seconds, seed');
  if (raw.scene !== undefined) {
    const sc = raw.scene;
    need(isObj(sc) && Number.isInteger(sc.size) && sc.size === pre.width && sc.size === pre.height, 'scene.size', 'must be the input width and height');
    for (const key of ['count', 'scale', 'gain'] as const) {
      need(Array.isArray(sc[key]) && sc[key].length === 2 && sc[key].every(isNum), `scene.${key}`, 'must be [low, high]');
    }
    for (const key of ['max_overlap', 'tries', 'mask_threshold', 'noise_std'] as const) need(isNum(sc[key]), `scene.${key}`, 'must be a number');
    need(isObj(sc.background), 'scene.background', 'missing');
  }
  if (raw.class_iou !== undefined) {
    need(Array.isArray(raw.class_iou) && raw.class_iou.length === labels.en.length && raw.class_iou.every(isNum), 'class_iou', 'needs one number per label');
  }
  return raw as unknown as ModelCard;
}

/** The card's outputs of one kind, in graph order. */
export function outputsOfKind(card: ModelCard, kind: OutputKind): OutputSpec[] {
  return card.outputs.filter((o) => o.kind === kind);
}
