/** The shipped Mamba graphs, run by onnxruntime-node, agree with PyTorch and with each other: both copying
 * twins recall what PyTorch recalled on every shipped held-out sequence, and only the time-invariant twin's Δ is
 * the same at every step; the poem model's whole-sequence graph and its one-character step graph give the same
 * logits, Δ and state for the same text, and the shipped held-out passages' bits per character come out as
 * PyTorch measured them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { graphOf, type ModelCard } from '../../src/lib/card';
import { loadModel } from './models';

const int64 = (values: readonly number[], dims = [1, values.length]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
const session = (dir: string, card: ModelCard, graph: string) => ort.InferenceSession.create(join(dir, graphOf(card, graph).file));
const floats = (t: ort.Tensor | undefined) => t!.data as Float32Array;

interface CopySamples { sequences: { id: string; ids: number[]; target: number[]; recalled: number[] }[] }
interface PoemSamples { held_out: { id: string; ids: number[]; bits_per_char: number }[]; length: number }

describe.each(['mamba-copy', 'mamba-copy-lti'])('%s', (slug) => {
  const dir = `public/models/${slug}`;
  const { card, samples } = loadModel(dir);
  const { sequences } = samples as unknown as CopySamples;
  const task = card.task!;

  it('recalls what PyTorch recalled on every shipped held-out sequence', async () => {
    const s = await session(dir, card, 'model');
    const vocab = card.graphs[0]!.outputs[0]!.shape[2] as number;
    for (const seq of sequences) {
      const out = await s.run({ ids: int64(seq.ids) });
      const logits = floats(out.logits);
      const recalled = Array.from({ length: task.memorise }, (_, i) => {
        const row = logits.subarray((task.body + i) * vocab, (task.body + i + 1) * vocab);
        return row.indexOf(Math.max(...row));
      });
      expect(recalled, seq.id).toEqual(seq.recalled);
    }
  });

  it(task.selective ? 'sets Δ from the input: it differs between steps' : 'has the same Δ at every step (Δ is fixed per channel)', async () => {
    const s = await session(dir, card, 'model');
    const out = await s.run({ ids: int64(sequences[0]!.ids) });
    const delta = card.graphs[0]!.outputs.find((o) => o.ssm?.quantity === 'delta')!;
    const [, steps, channels] = delta.shape as number[];
    const d = floats(out[delta.name]);
    let spread = 0;
    for (let c = 0; c < channels!; c++) {
      const column = Array.from({ length: steps! }, (_, t) => d[t * channels! + c]!);
      spread = Math.max(spread, Math.max(...column) - Math.min(...column));
    }
    if (task.selective) expect(spread).toBeGreaterThan(1e-3);
    else expect(spread).toBeLessThan(1e-6);
  });
});

describe('mamba-poem', () => {
  const dir = 'public/models/mamba-poem';
  const { card, samples } = loadModel(dir);
  const { held_out: held, length } = samples as unknown as PoemSamples;
  const step = graphOf(card, 'step');
  const stateShape = (name: string) => step.inputs.find((i) => i.name === name)!.shape as number[];
  const vocab = step.outputs.find((o) => o.role === 'logits')!.shape[1] as number;
  const newline = (JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')) as { newline: number }).newline;
  const padded = (ids: number[]) => int64([...ids, ...Array(length).fill(newline)].slice(0, length));

  it('gives the same logits, Δ and state one character at a time as over the whole sequence', async () => {
    const seqSession = await session(dir, card, 'sequence');
    const stepSession = await session(dir, card, 'step');
    const ids = held[0]!.ids;
    const whole = await seqSession.run({ ids: padded(ids) });
    const [layers, , channels, dState] = stateShape('ssm_state');
    let conv: ort.Tensor = new ort.Tensor('float32', new Float32Array(stateShape('conv_state').reduce((a, b) => a * b)), stateShape('conv_state'));
    let h: ort.Tensor = new ort.Tensor('float32', new Float32Array(layers! * channels! * dState!), stateShape('ssm_state'));
    let worst = 0;
    const near = (a: number, b: number) => { worst = Math.max(worst, Math.abs(a - b) / (1e-4 + 2e-3 * Math.abs(b))); };
    for (let t = 0; t < ids.length; t++) {
      const out = await stepSession.run({ ids: int64([ids[t]!], [1]), conv_state: conv, ssm_state: h });
      const logits = floats(out.logits);
      const wholeLogits = floats(whole.logits).subarray(t * vocab, (t + 1) * vocab);
      logits.forEach((v, i) => near(v, wholeLogits[i]!));
      for (let l = 0; l < layers!; l++) {
        const delta = floats(out.delta).subarray(l * channels!, (l + 1) * channels!);
        const wholeDelta = floats(whole[`delta_${l}`]).subarray(t * channels!, (t + 1) * channels!);
        delta.forEach((v, c) => near(v, wholeDelta[c]!));
        const state = floats(out.next_ssm_state).subarray(l * channels! * dState!, (l + 1) * channels! * dState!);
        const wholeState = floats(whole[`h_${l}`]).subarray(t * channels! * dState!, (t + 1) * channels! * dState!);
        state.forEach((v, i) => near(v, wholeState[i]!));
      }
      conv = out.next_conv_state!;
      h = out.next_ssm_state!;
    }
    // 1 is the golden tolerance, |diff| <= 1e-4 + 2e-3 |value|.
    expect(worst).toBeLessThan(1);
  });

  it('measures each shipped held-out passage at the bits per character PyTorch measured', async () => {
    const s = await session(dir, card, 'sequence');
    for (const passage of held) {
      const logits = floats((await s.run({ ids: padded(passage.ids) })).logits);
      let nats = 0;
      for (let t = 0; t + 1 < passage.ids.length; t++) {
        const row = logits.subarray(t * vocab, (t + 1) * vocab);
        const max = Math.max(...row);
        const logSum = Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
        nats += logSum - row[passage.ids[t + 1]!]!;
      }
      const bits = nats / (passage.ids.length - 1) / Math.LN2;
      expect(Math.abs(bits - passage.bits_per_char), passage.id).toBeLessThan(1e-3);
    }
  });
});
