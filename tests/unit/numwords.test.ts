/** The browser's number renderer and tokeniser agree with the Python side that made the training pairs:
 * tests/fixtures/numwords.json was written by training/common/numwords.py. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { enNumber, parseDigits, zhNumber } from '../../src/lib/input/numwords';
import { TokenError, decode, encode, parseVocabulary, sourceIds } from '../../src/lib/input/tokens';

const fixture = JSON.parse(readFileSync('tests/fixtures/numwords.json', 'utf8')) as {
  vocab: string[];
  cases: { n: number; zh: string; en: string; zh_ids: number[]; en_ids: number[] }[];
};
/** The vocabulary file the Transformer ships, with the splitting rules the widget tokenises by. */
const vocab = parseVocabulary(JSON.parse(readFileSync('public/models/transformer/vocab.json', 'utf8')));

describe('numbers in words', () => {
  it(`render exactly as Python does for all ${fixture.cases.length} fixture integers`, () => {
    for (const c of fixture.cases) {
      expect(zhNumber(c.n), String(c.n)).toBe(c.zh);
      expect(enNumber(c.n), String(c.n)).toBe(c.en);
    }
  });

  it('refuse what they cannot render', () => {
    expect(() => zhNumber(1_000_000_000)).toThrow(RangeError);
    expect(() => enNumber(-1)).toThrow(RangeError);
    expect(() => zhNumber(1.5)).toThrow(RangeError);
  });

  it('read typed digits with separators, and nothing else', () => {
    expect(parseDigits(' 35,007 ')).toBe(35007);
    expect(parseDigits('1 000 000')).toBe(1000000);
    expect(parseDigits('三万')).toBeNull();
    expect(parseDigits('12a')).toBeNull();
  });
});

describe('tokens', () => {
  it('the shipped vocabulary is the one the training pairs were encoded with', () => {
    expect(vocab.tokens).toEqual(fixture.vocab);
  });

  it('encode the fixture texts to the ids Python used in training, and decode back', () => {
    for (const c of fixture.cases) {
      expect(encode(vocab, c.zh, 'zh'), c.zh).toEqual(c.zh_ids);
      expect(encode(vocab, c.en, 'en'), c.en).toEqual(c.en_ids);
      expect(decode(vocab, [1, ...c.en_ids, 2], 'en')).toBe(c.en);
      expect(decode(vocab, c.zh_ids, 'zh')).toBe(c.zh);
    }
  });

  it('lay out a translation source as training did: direction token, tokens, EOS', () => {
    const c = fixture.cases.find((x) => x.n === 100000001)!;
    expect(sourceIds(vocab, c.zh, 'zh', 'en')).toEqual([vocab.special.to_en, ...c.zh_ids, vocab.special.eos]);
    expect(sourceIds(vocab, c.en, 'en', 'zh')).toEqual([vocab.special.to_zh, ...c.en_ids, vocab.special.eos]);
    expect(sourceIds(vocab, '一'.repeat(vocab.max_len - 2), 'zh', 'en')).toHaveLength(vocab.max_len);
    expect(() => sourceIds(vocab, '一'.repeat(vocab.max_len - 1), 'zh', 'en')).toThrow(TokenError);
  });

  it('accept what readers type: capitals, extra spaces, spaced hyphens', () => {
    expect(encode(vocab, '  Thirty - Five   thousand ', 'en')).toEqual(encode(vocab, 'thirty-five thousand', 'en'));
    expect(encode(vocab, '三万 五千', 'zh')).toEqual(encode(vocab, '三万五千', 'zh'));
    expect(encode(vocab, '两千', 'zh')).toEqual(encode(vocab, '二千', 'zh'));
  });

  it('name an unknown token and its position, empty text, and text too long', () => {
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as TokenError).problem;
      }
      return null;
    };
    expect(problem(() => encode(vocab, 'thirty-five grand', 'en'))).toEqual({ kind: 'unknown', token: 'grand', position: 3 });
    expect(problem(() => encode(vocab, '三万二千整', 'zh'))).toEqual({ kind: 'unknown', token: '整', position: 4 });
    expect(problem(() => encode(vocab, '   ', 'en'))).toEqual({ kind: 'empty' });
    expect(problem(() => encode(vocab, '一'.repeat(vocab.max_len - 1), 'zh', 2))).toEqual({ kind: 'too-long', count: vocab.max_len - 1, max: vocab.max_len - 2 });
  });
});
