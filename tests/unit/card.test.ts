import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCard } from '../../src/lib/runtime/card';
import { loadModel, modelDirs } from './models';

describe.each(modelDirs())('card of %s', (dir) => {
  const raw = JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8'));

  it('is valid and names its own folder', () => {
    const card = parseCard(raw);
    expect(dir.endsWith(card.slug)).toBe(true);
  });

  it('states the sha256 and size of model.onnx', () => {
    const bytes = readFileSync(join(dir, 'model.onnx'));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(raw.sha256);
    expect(bytes.length).toBe(raw.bytes);
  });

  it('has labels in both languages for every class, and one prediction per shipped sample or scene', () => {
    const { card, samples } = loadModel(dir);
    const probs = card.outputs.find((o) => o.kind === 'probabilities')!;
    // Axis 1 holds the classes, for a classifier's (1, C) and a segmentation's (1, C, H, W) alike.
    expect(card.labels.en).toHaveLength(probs.shape[1]!);
    if (card.outputs.some((o) => o.kind === 'mask')) {
      const perScene = card.samples as unknown as { class_pixels: number[][] };
      expect(perScene.class_pixels).toHaveLength(samples.scenes!.length);
      expect(card.class_iou).toHaveLength(card.labels.en.length);
    } else {
      expect(card.samples.predictions).toHaveLength(samples.samples.length);
    }
  });
});

describe('card validation', () => {
  const good = JSON.parse(readFileSync(join(modelDirs()[0]!, 'card.json'), 'utf8'));

  it('names the field that is wrong', () => {
    expect(() => parseCard({ ...good, sha256: 'abc' })).toThrow(/sha256/);
    expect(() => parseCard({ ...good, metrics: { test_accuracy: 91.2 } })).toThrow(/metrics.test_accuracy.*\[0, 1\]/);
    expect(() => parseCard({ ...good, labels: { en: ['a'], zh: [] } })).toThrow(/labels/);
    expect(() => parseCard({ ...good, preprocess: { ...good.preprocess, std: [0] } })).toThrow(/preprocess.std/);
    expect(() => parseCard({ ...good, outputs: [{ ...good.outputs[0], kind: 'pixels' }] })).toThrow(/outputs\[0\].kind/);
  });

  it('checks a segmentation card’s scene recipe and per-class IoU', () => {
    const unet = JSON.parse(readFileSync('public/models/unet/card.json', 'utf8'));
    expect(parseCard(unet).scene!.size).toBe(unet.preprocess.width);
    expect(() => parseCard({ ...unet, scene: { ...unet.scene, size: 64 } })).toThrow(/scene.size/);
    expect(() => parseCard({ ...unet, scene: { ...unet.scene, count: [2] } })).toThrow(/scene.count/);
    expect(() => parseCard({ ...unet, class_iou: [0.5] })).toThrow(/class_iou/);
    expect(() => parseCard({ ...unet, metrics: { ...unet.metrics, mean_iou: 70 } })).toThrow(/metrics.mean_iou/);
  });
});
