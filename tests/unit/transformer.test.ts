/** The shipped Transformer graphs, decoded token by token by the site's own greedy decoder (with
 * onnxruntime-node under it), translate the shipped held-out integers exactly as PyTorch did, in both
 * directions, and so reproduce the exact-match accuracy the script measured on them. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseCard } from '../../src/lib/card/parse';
import { greedyDecode, type NextLogits } from '../../src/lib/generate/seq2seq';
import { decode, parseVocabulary, sourceIds } from '../../src/lib/input/tokens';

const dir = 'public/models/transformer';

describe.runIf(existsSync(`${dir}/card.json`))('the Transformer on its shipped held-out integers', () => {
  const card = parseCard(JSON.parse(readFileSync(`${dir}/card.json`, 'utf8')));
  const vocab = parseVocabulary(JSON.parse(readFileSync(`${dir}/vocab.json`, 'utf8')));
  const samples = JSON.parse(readFileSync(`${dir}/samples.json`, 'utf8')) as {
    held_out: { n: number; zh: string; en: string; zh_en: string; en_zh: string }[];
  };
  const encoder = ort.InferenceSession.create(`${dir}/encoder.onnx`);
  const decoder = ort.InferenceSession.create(`${dir}/decoder.onnx`);
  const ids = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);

  async function translate(text: string, from: 'zh' | 'en', to: 'zh' | 'en'): Promise<string> {
    const src = ids(sourceIds(vocab, text, from, to));
    const { memory } = await (await encoder).run({ src }, ['memory']);
    const next: NextLogits = async (prefixes) => {
      const tgt = new ort.Tensor('int64', BigInt64Array.from(prefixes.flat(), BigInt), [prefixes.length, prefixes[0]!.length]);
      const { logits } = await (await decoder).run({ memory: memory!, src, tgt }, ['logits']);
      const vocabSize = logits!.dims[1]!;
      return prefixes.map((_, i) => (logits!.data as Float32Array).slice(i * vocabSize, (i + 1) * vocabSize));
    };
    const { tokens } = await greedyDecode(next, { bos: vocab.special.bos!, eos: vocab.special.eos!, maxLen: vocab.max_len });
    return decode(vocab, tokens, to);
  }

  it('translates every shipped integer as PyTorch did, with the accuracy the card records for them', async () => {
    const rows = samples.held_out;
    expect(rows.length).toBe(card.samples.shipped_held_out);
    let zhEn = 0;
    let enZh = 0;
    for (const row of rows) {
      const en = await translate(row.zh, 'zh', 'en');
      const zh = await translate(row.en, 'en', 'zh');
      expect(en, `${row.n} zh→en`).toBe(row.zh_en);
      expect(zh, `${row.n} en→zh`).toBe(row.en_zh);
      zhEn += Number(en === row.en);
      enZh += Number(zh === row.zh);
    }
    expect(zhEn / rows.length).toBeCloseTo(card.samples.exact_match_zh_en as number, 10);
    expect(enZh / rows.length).toBeCloseTo(card.samples.exact_match_en_zh as number, 10);
  }, 120_000);
});
