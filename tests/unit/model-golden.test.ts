/** The shipped ONNX files, run by onnxruntime-node, reproduce what PyTorch computed at export time:
 * the golden tensors, and the predictions the card records for every shipped sample. */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { compareOutput } from '../../src/lib/runtime/golden';
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
      const sample = model.samples.samples.find((x) => x.id === c.sample)!;
      const out = await s.run({ [s.inputNames[0]!]: input(sample.pixels) });
      for (const name of card.outputs.map((o) => o.name)) {
        const result = compareOutput(c.sample, name, { dims: out[name]!.dims, data: out[name]!.data as Float32Array }, c.outputs[name]!, golden.tolerance);
        expect(result.ok, `${c.sample} ${name} max |diff| ${result.maxAbs}`).toBe(true);
      }
    }
  });

  it('predicts what the card records for every shipped sample', async () => {
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
