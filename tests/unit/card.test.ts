/** Every shipped card is valid against the one schema, states the hashes of the files beside it, and the
 * JSON Schema the Python side validates against is exactly what the zod schema exports. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphOf, outputsWithRole } from '../../src/lib/card';
import { parseCard } from '../../src/lib/card/parse';
import { cardJsonSchema } from '../../src/lib/card/json-schema';
import { loadModel, modelDirs } from './models';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.each(modelDirs())('card of %s', (dir) => {
  const raw = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));

  it('is valid and names its own folder', () => {
    const card = parseCard(raw);
    expect(dir.endsWith(`/${card.slug}`)).toBe(true);
  });

  it('states the sha256 and size of every graph and every other shipped file', () => {
    const card = parseCard(raw);
    const listed = [...card.graphs.map((g) => [g.file, g] as const), ...Object.entries(card.files)];
    for (const [file, entry] of listed) {
      expect(sha256(join(dir, file)), file).toBe(entry.sha256);
      expect(readFileSync(join(dir, file)).length, file).toBe(entry.bytes);
    }
  });

  it('has labels in both languages for every class, and one prediction per shipped sample or scene', () => {
    const { card, samples } = loadModel(dir);
    const probs = outputsWithRole(card, 'probabilities')[0];
    if (!probs) return; // not a classifier
    // Axis 1 holds the classes, for a classifier's (1, C) and a segmentation's (1, C, H, W) alike.
    expect(card.labels?.en).toHaveLength(probs.shape[1] as number);
    if (outputsWithRole(card, 'mask').length) {
      const perScene = card.samples as unknown as { class_pixels: number[][] };
      expect(perScene.class_pixels).toHaveLength(samples.scenes!.length);
      expect(card.class_iou).toHaveLength(card.labels!.en.length);
    } else {
      // Images ship as `samples`; a text classifier's held-out lines as `held_out`.
      const shipped = (samples as unknown as { samples?: unknown[]; held_out?: unknown[] });
      expect(card.samples.predictions).toHaveLength((shipped.samples ?? shipped.held_out)!.length);
    }
  });
});

describe('card validation', () => {
  const alexnet = JSON.parse(readFileSync('public/models/alexnet/card.json', 'utf8'));
  const graph = alexnet.graphs[0];
  const withGraph = (changes: object) => ({ ...alexnet, graphs: [{ ...graph, ...changes }] });

  it('names the field that is wrong', () => {
    expect(() => parseCard(withGraph({ sha256: 'abc' }))).toThrow(/graphs\.0\.sha256/);
    expect(() => parseCard({ ...alexnet, metrics: { test_accuracy: 91.2 } })).toThrow(/metrics\.test_accuracy.*\[0, 1\]/);
    expect(() => parseCard({ ...alexnet, labels: { en: ['a'], zh: [] } })).toThrow(/labels/);
    const image = graph.inputs[0];
    expect(() => parseCard(withGraph({ inputs: [{ ...image, preprocess: { ...image.preprocess, std: [0] } }] }))).toThrow(/graphs\.0\.inputs\.0\.preprocess\.std/);
    expect(() => parseCard(withGraph({ outputs: [{ ...graph.outputs[0], role: 'pixels' }] }))).toThrow(/graphs\.0\.outputs\.0\.role/);
    expect(() => parseCard(withGraph({ inputs: [{ ...image, kind: 'audio' }] }))).toThrow(/graphs\.0\.inputs\.0\.kind/);
    expect(() => parseCard({ ...alexnet, files: {} })).toThrow(/samples\.file: samples\.json is not listed in files/);
  });

  it('requires attention outputs to name their axes, and a vocabulary for token inputs', () => {
    const attention = { name: 'attn', shape: [1, 4, 'seq', 'seq'], role: 'attention', label: { en: 'a', zh: '注意力' } };
    const axes = ['batch', 'head', 'query', 'key'];
    const which = { kind: 'cross', label: { en: 'cross-attention', zh: '交叉注意力' }, layer: 1 };
    expect(() => parseCard(withGraph({ outputs: [attention] }))).toThrow(/attention outputs must name their axes and their attention kind/);
    expect(() => parseCard(withGraph({ outputs: [{ ...attention, axes }] }))).toThrow(/attention kind and layer/);
    expect(() => parseCard(withGraph({ outputs: [{ ...attention, axes, attention: { ...which, layer: 0 } }] }))).toThrow(/layer/);
    expect(parseCard(withGraph({ outputs: [{ ...attention, axes, attention: which }] }))).toBeTruthy();
    const tokens = { name: 'ids', kind: 'tokens', dtype: 'int64', shape: [1, 'seq'], vocab: 'vocab.json' };
    expect(() => parseCard(withGraph({ inputs: [tokens] }))).toThrow(/vocab\.json is not listed in files/);
    expect(() => parseCard(withGraph({ inputs: [{ ...tokens, dtype: 'float32' }] }))).toThrow(/inputs\.0\.dtype/);
  });

  it('finds graphs by name and says which exist', () => {
    const card = parseCard(alexnet);
    expect(graphOf(card).name).toBe('model');
    expect(() => graphOf(card, 'decoder')).toThrow(/alexnet has no graph "decoder" \(it has model\)/);
  });

  it('checks a segmentation card’s scene recipe and per-class IoU', () => {
    const unet = JSON.parse(readFileSync('public/models/unet/card.json', 'utf8'));
    expect(parseCard(unet).scene!.size).toBe(unet.graphs[0].inputs[0].preprocess.width);
    expect(() => parseCard({ ...unet, scene: { ...unet.scene, size: 64 } })).toThrow(/scene\.size/);
    expect(() => parseCard({ ...unet, scene: { ...unet.scene, count: [2] } })).toThrow(/scene\.count/);
    expect(() => parseCard({ ...unet, class_iou: [0.5] })).toThrow(/class_iou/);
    expect(() => parseCard({ ...unet, metrics: { ...unet.metrics, mean_iou: 70 } })).toThrow(/metrics\.mean_iou/);
  });
});

describe('a diffusion card', () => {
  const alexnet = JSON.parse(readFileSync('public/models/alexnet/card.json', 'utf8'));
  const card = { ...alexnet, files: { ...alexnet.files, 'schedule.json': alexnet.files['samples.json'] } };
  const sampler = { method: 'ddim', steps: 50, guidance: 3, clip_x0: true, null_class: 10, schedule: 'schedule.json' };
  const tenths = Array.from({ length: 10 }, (_, i) => i / 10);
  const quality = {
    classifier: { slug: 'resnet', title: { en: 'ResNet-20', zh: 'ResNet-20' }, file: 'public/models/resnet/model.onnx', sha256: 'a'.repeat(64), test_accuracy: 0.94 },
    sampler: { method: 'ddim', eta: 0, steps: 50, guidance: 3, unguided_guidance: 1, clip_x0: true, seed: 1, per_class: 100, seconds: 60 },
    per_class_agreement: tenths, per_class_agreement_unguided: tenths, per_class_confidence: tenths,
    per_class_diversity_samples: tenths.map((v) => 10 * v), per_class_diversity_test: tenths.map((v) => 10 * v),
    note: { en: 'How.', zh: '如何。' },
  };

  it('keeps its sampler and quality, and checks them', () => {
    const parsed = parseCard({ ...card, sampler, quality });
    expect(parsed.sampler).toEqual(sampler);
    expect(parsed.quality?.per_class_agreement).toEqual(tenths);
    expect(() => parseCard({ ...alexnet, sampler })).toThrow(/sampler\.schedule: schedule\.json is not listed in files/);
    expect(() => parseCard({ ...card, sampler: { ...sampler, method: 'euler' } })).toThrow(/sampler\.method/);
    expect(() => parseCard({ ...card, sampler: { ...sampler, steps: 0 } })).toThrow(/sampler\.steps/);
    expect(() => parseCard({ ...card, quality: { ...quality, per_class_confidence: tenths.slice(1) } })).toThrow(/quality\.per_class_confidence: needs one number per label/);
    expect(() => parseCard({ ...card, quality: { ...quality, per_class_agreement: [...tenths.slice(1), 1.5] } })).toThrow(/quality\.per_class_agreement\.9/);
    expect(() => parseCard({ ...card, metrics: { classifier_agreement: 87 } })).toThrow(/metrics\.classifier_agreement.*\[0, 1\]/);
  });
});

describe('JSON Schema for the Python side', () => {
  it('is exactly what the zod schema exports (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync('src/lib/card/card.schema.json', 'utf8')).toBe(cardJsonSchema());
  });
});
