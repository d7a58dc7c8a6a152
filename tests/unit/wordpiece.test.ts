/** The browser's WordPiece tokenizer (src/lib/input/wordpiece.ts) gives what Python gave: the tokens and ids of
 * common/wordpiece.py and the [CLS] a [SEP] b [SEP] layout of bert.pair_ids, on tests/fixtures/wordpiece.json
 * (written by training/wordpiece_fixture.py from the shipped vocabulary), plus cases worked by hand on a tiny
 * vocabulary for the rules the shipped one never triggers. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePair, encodeText, parseWordPiece, pieceText, tokenize, words, type WordPieceVocab } from '../../src/lib/input/wordpiece';

interface PairOut {
  ids: number[];
  segments: number[];
  truncated: boolean;
}
interface Fixture {
  vocab_sha256: string;
  /** Every code point Python's str.isspace() accepts. */
  whitespace: number[];
  max_len: number;
  texts: { what: string; text: string; tokens: string[]; ids: number[]; pair: PairOut }[];
  pairs: ({ what: string; a: string; b: string | null } & PairOut)[];
}

const fixture: Fixture = JSON.parse(readFileSync('tests/fixtures/wordpiece.json', 'utf8'));
const files = ['public/models/bert/vocab.json', 'public/models/bert-classifier/vocab.json'];
const vocab = parseWordPiece(JSON.parse(readFileSync(files[0]!, 'utf8')));
const label = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
const pairOf = (p: PairOut): PairOut => ({ ids: p.ids, segments: p.segments, truncated: p.truncated });

describe('the fixture belongs to the shipped vocabulary', () => {
  it.each(files)("vocab_sha256 is the hash of %s (else run training/wordpiece_fixture.py again)", (file) => {
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(fixture.vocab_sha256);
  });

  it('max_len agrees with the vocabulary file', () => {
    expect(vocab.max_len).toBe(fixture.max_len);
  });
});

describe('the TypeScript tokenizer equals Python on every fixture text', () => {
  it(`splits every code point on whitespace exactly where Python's str.isspace() does`, () => {
    const python = new Set(fixture.whitespace);
    const disagree: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if ((words(String.fromCodePoint(cp)).length === 0) !== python.has(cp)) disagree.push(`U+${cp.toString(16).padStart(4, '0')}`);
    }
    expect(disagree).toEqual([]);
  });

  it(`tokens and ids of all ${fixture.texts.length} texts`, () => {
    for (const t of fixture.texts) {
      expect(tokenize(vocab, t.text), `${t.what} ${label(t.text)}`).toEqual(t.tokens);
      expect(encodeText(vocab, t.text), `${t.what} ${label(t.text)}`).toEqual(t.ids);
    }
  });

  it('each text as a single segment, cut to max_len where Python cut it', () => {
    for (const t of fixture.texts) {
      expect(pairOf(encodePair(vocab, t.text)), `${t.what} ${label(t.text)}`).toEqual(t.pair);
    }
  });

  it(`all ${fixture.pairs.length} pairs: ids, segments and whether they were cut`, () => {
    for (const p of fixture.pairs) {
      expect(pairOf(encodePair(vocab, p.a, p.b ?? undefined)), `${p.what} ${label(p.a)} | ${label(p.b ?? '')}`).toEqual(pairOf(p));
    }
  });

  it("token strings and spans of a pair match its ids; each span is the token's own text", () => {
    for (const p of fixture.pairs) {
      const out = encodePair(vocab, p.a, p.b ?? undefined);
      expect(out.tokens).toEqual(out.ids.map((id) => vocab.tokens[id]));
      expect(out.spans).toHaveLength(out.ids.length);
      out.spans.forEach((span, i) => {
        const special = out.ids[i] === vocab.special.cls || out.ids[i] === vocab.special.sep;
        expect(span === null, `${p.what} token ${i}`).toBe(special);
        if (!span || out.ids[i] === vocab.special.unk) return;
        expect(span.segment).toBe(out.segments[i]);
        const source = span.segment === 0 ? p.a : p.b!;
        expect(source.slice(span.start, span.end).toLowerCase(), `${p.what} token ${i}`).toBe(pieceText(out.tokens[i]!));
      });
    }
  });
});

describe('rules the shipped vocabulary never triggers, on a tiny one', () => {
  const tiny: WordPieceVocab = parseWordPiece({
    kind: 'wordpiece',
    tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', 'u', '##aff', '##able', '##a', 'ab', '##b', '猫', '😀'],
    special: { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 },
    continuation: '##',
    max_word: 9,
    max_len: 8,
  });

  it('takes the longest piece first, and makes the whole word [UNK] when a part has none', () => {
    expect(tokenize(tiny, 'UNaffable')).toEqual(['un', '##aff', '##able']);
    expect(tokenize(tiny, 'unaffx ua')).toEqual(['[UNK]', 'u', '##a']);
    expect(tokenize(tiny, 'x 猫 狗 😀 😁')).toEqual(['[UNK]', '猫', '[UNK]', '😀', '[UNK]']);
  });

  it('makes a word longer than max_word [UNK], however well it splits', () => {
    expect(tokenize(tiny, 'abbbbbbbb abbbbbbbbb')).toEqual(['ab', ...Array<string>(7).fill('##b'), '[UNK]']);
  });

  it('cuts b first when it is the longer, then a, and says so', () => {
    const out = encodePair(tiny, 'ab ab', 'u u u u');
    expect(out.tokens).toEqual(['[CLS]', 'ab', 'ab', '[SEP]', 'u', 'u', 'u', '[SEP]']);
    expect(out.segments).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(out.truncated).toBe(true);
    expect(encodePair(tiny, 'u u u u u u u', 'ab').tokens).toEqual(['[CLS]', 'u', 'u', 'u', 'u', '[SEP]', 'ab', '[SEP]']);
    expect(encodePair(tiny, 'u u', '  ')).toMatchObject({ tokens: ['[CLS]', 'u', 'u', '[SEP]'], truncated: false });
  });

  it("gives each token its place in the original text, an [UNK] its whole word", () => {
    const span = (segment: 0 | 1, start: number, end: number) => ({ segment, start, end });
    expect(encodePair(tiny, 'UNaffable 😀x', 'ua').spans).toEqual([null, span(0, 0, 2), span(0, 2, 5), span(0, 5, 9), null, span(1, 0, 1), span(1, 1, 2), null]);
    expect(encodePair(tiny, ' 😀xyz', 'Ua').spans).toEqual([null, span(0, 1, 3), span(0, 3, 6), null, span(1, 0, 1), span(1, 1, 2), null]);
  });

  it('shows a continuation piece without its ##', () => {
    expect(['un', '##aff', '#', '##'].map((t) => pieceText(t))).toEqual(['un', 'aff', '#', '##']);
  });

  it('refuses a malformed vocabulary file, saying what is wrong', () => {
    expect(() => parseWordPiece({ kind: 'chars' })).toThrow(/not "wordpiece"/);
    expect(() => parseWordPiece({ kind: 'wordpiece', tokens: ['a'], special: { pad: 0 } })).toThrow(/special\.unk/);
    expect(() => parseWordPiece({ ...tiny, max_word: 0 })).toThrow(/max_word/);
    expect(() => parseWordPiece(null)).toThrow(/kind/);
  });
});
