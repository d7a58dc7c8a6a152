/** The shipped ONNX graphs, run by onnxruntime-node, reproduce what PyTorch computed at export time: every
 * golden case (its stored inputs, on the graph it names), and the predictions the card records for every
 * shipped sample (a classifier) or held-out scene (a segmentation model). */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { graphOf, outputsWithRole } from '../../src/lib/card';
import { TOLERANCE, checkCase, feedsOf, parseGolden } from '../../src/lib/verify/golden';
import { classCounts, segmentationScores } from '../../src/lib/metrics/iou';
import { greyFromBytes, normalise } from '../../src/lib/input/preprocess';
import { loadModel, modelDirs } from './models';

/** Any onnxruntime output as numbers (int64 class maps included). */
const numbers = (t: ort.Tensor) => Array.from(t.data as ArrayLike<number | bigint>, Number);

describe.each(modelDirs())('ONNX model in %s', (dir) => {
  const model = loadModel(dir);
  const { card } = model;
  const golden = parseGolden(model.golden);
  const sessions = new Map(card.graphs.map((g) => [g.name, ort.InferenceSession.create(join(dir, g.file))]));
  const session = (name?: string) => sessions.get(graphOf(card, name).name)!;

  it('declares the inputs and outputs its card lists, in order', async () => {
    for (const g of card.graphs) {
      const s = await session(g.name);
      expect(s.inputNames, g.name).toEqual(g.inputs.map((i) => i.name));
      expect(s.outputNames, g.name).toEqual(g.outputs.map((o) => o.name));
    }
  });

  it(`reproduces every golden case within atol ${TOLERANCE.atol}, rtol ${TOLERANCE.rtol}`, async () => {
    expect(golden.cases.length).toBeGreaterThan(0);
    for (const c of golden.cases) {
      const s = await session(c.graph);
      const feeds = Object.fromEntries(Object.entries(feedsOf(c)).map(([name, f]) => [name, new ort.Tensor(f.dtype, f.data, f.dims)]));
      const out = await s.run(feeds);
      const actual = Object.fromEntries(Object.entries(out).map(([name, t]) => [name, { dims: t.dims, data: numbers(t) }]));
      for (const check of checkCase(c, actual)) {
        expect(check.ok, `${c.sample} ${check.output}: ${check.failed.join(', ')} (max |diff| ${check.maxAbs})`).toBe(true);
      }
    }
  });

  const image = graphOf(card).inputs[0]!;
  const pre = image.kind === 'image' ? image.preprocess : null;
  const input = (pixels: string) =>
    new ort.Tensor('float32', normalise(greyFromBytes(Buffer.from(pixels, 'base64'), pre!.width, pre!.height), pre!), image.shape as number[]);
  const segments = outputsWithRole(card, 'mask').length > 0;
  // An image classifier's shipped samples are pictures; a text classifier's (BERT's) are checked in its own test.
  const classifies = !segments && pre !== null && outputsWithRole(card, 'probabilities').length > 0;

  it.runIf(segments)('segments every shipped scene as the card records, with the same IoU as PyTorch', async () => {
    const s = await session();
    const scenes = model.samples.scenes ?? [];
    expect(scenes.length).toBeGreaterThan(0);
    const { class_pixels: pixels, scene_mean_iou: iou } = card.samples as unknown as { class_pixels: number[][]; scene_mean_iou: number[] };
    const classes = card.labels!.en.length;
    for (const [i, scene] of scenes.entries()) {
      const out = await s.run({ [image.name]: input(scene.pixels) }, ['classes']);
      const map = numbers(out.classes!);
      const counts = classCounts(map, classes);
      // A pixel whose two top classes tie within float error may go either way; allow a handful.
      counts.forEach((n, c) => expect(Math.abs(n - pixels[i]![c]!), `${scene.id} class ${c}`).toBeLessThanOrEqual(3));
      const truth = Buffer.from(scene.labels, 'base64');
      expect(segmentationScores(map, truth, classes).meanIou).toBeCloseTo(iou[i]!, 2);
    }
  });

  it.runIf(classifies)('predicts what the card records for every shipped sample', async () => {
    const s = await session();
    const probsName = outputsWithRole(card, 'probabilities')[0]!.name;
    const predicted: number[] = [];
    for (const sample of model.samples.samples) {
      const out = await s.run({ [image.name]: input(sample.pixels) }, [probsName]);
      const p = out[probsName]!.data as Float32Array;
      predicted.push(p.indexOf(Math.max(...p)));
    }
    expect(predicted).toEqual(card.samples.predictions);
  });
});
