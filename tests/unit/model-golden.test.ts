/** The shipped ONNX files, run by onnxruntime-node, reproduce what PyTorch computed at export time:
 * the golden tensors, and the predictions the card records for every shipped sample (a classifier) or
 * held-out scene (a segmentation model). */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { compareOutput } from '../../src/lib/runtime/golden';
import { classCounts, segmentationScores } from '../../src/lib/metrics/iou';
import { greyFromBytes, normalise } from '../../src/lib/input/preprocess';
import { loadModel, modelDirs } from './models';

describe.each(modelDirs())('ONNX model in %s', (dir) => {
  const model = loadModel(dir);
  const { card, golden } = model;
  const pre = card.preprocess;
  const session = ort.InferenceSession.create(join(dir, 'model.onnx'));
  const input = (pixels: string) =>
    new ort.Tensor('float32', normalise(greyFromBytes(Buffer.from(pixels, 'base64'), pre.width, pre.height), pre), card.inputs[0]!.shape);

  it('declares the outputs its card lists, in order', async () => {
    expect((await session).outputNames).toEqual(card.outputs.map((o) => o.name));
  });

  it('reproduces the golden tensors', async () => {
    const s = await session;
    expect(golden.cases.length).toBeGreaterThan(0);
    for (const c of golden.cases) {
      const sample = [...model.samples.samples, ...(model.samples.scenes ?? [])].find((x) => x.id === c.sample)!;
      const out = await s.run({ [s.inputNames[0]!]: input(sample.pixels) });
      for (const name of card.outputs.map((o) => o.name)) {
        const data = Array.from(out[name]!.data as ArrayLike<number | bigint>, Number); // the class map is int64
        const result = compareOutput(c.sample, name, { dims: out[name]!.dims, data }, c.outputs[name]!, golden.tolerance);
        expect(result.ok, `${c.sample} ${name} max |diff| ${result.maxAbs}`).toBe(true);
      }
    }
  });

  const segments = card.outputs.some((o) => o.kind === 'mask');

  it.runIf(segments)('segments every shipped scene as the card records, with the same IoU as PyTorch', async () => {
    const s = await session;
    const scenes = model.samples.scenes ?? [];
    expect(scenes.length).toBeGreaterThan(0);
    const { class_pixels: pixels, scene_mean_iou: iou } = card.samples as unknown as { class_pixels: number[][]; scene_mean_iou: number[] };
    const classes = card.labels.en.length;
    for (const [i, scene] of scenes.entries()) {
      const out = await s.run({ [s.inputNames[0]!]: input(scene.pixels) }, ['classes']);
      const map = Array.from(out.classes!.data as BigInt64Array, Number);
      const counts = classCounts(map, classes);
      // A pixel whose two top classes tie within float error may go either way; allow a handful.
      counts.forEach((n, c) => expect(Math.abs(n - pixels[i]![c]!), `${scene.id} class ${c}`).toBeLessThanOrEqual(3));
      const truth = Buffer.from(scene.labels, 'base64');
      expect(segmentationScores(map, truth, classes).meanIou).toBeCloseTo(iou[i]!, 2);
    }
  });

  it.runIf(!segments)('predicts what the card records for every shipped sample', async () => {
    const s = await session;
    const probsName = card.outputs.find((o) => o.kind === 'probabilities')!.name;
    const predicted: number[] = [];
    for (const sample of model.samples.samples) {
      const out = await s.run({ [s.inputNames[0]!]: input(sample.pixels) }, [probsName]);
      const p = out[probsName]!.data as Float32Array;
      predicted.push(p.indexOf(Math.max(...p)));
    }
    expect(predicted).toEqual(card.samples.predictions);
  });
});
