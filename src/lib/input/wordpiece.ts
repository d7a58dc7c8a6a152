/** BERT's WordPiece tokenizer in the browser: the rules of training/common/wordpiece.py, to the letter, so
 * typed text gets the ids the model was trained on (tests/unit/wordpiece.test.ts checks them against
 * Python on tests/fixtures/wordpiece.json). In short: ASCII capitals become lower case and nothing else
 * changes; a run of ASCII letters and digits is a word, every other non-space character a word of its own;
 * a word becomes the longest pieces the vocabulary has, from the left, or [UNK] as a whole.
 *
 * Characters are code points, as in Python: an emoji or a CJK Extension B character is one character,
 * not two UTF-16 units. Erasable syntax only: `npm run bench` imports lib files with Node's type stripping. */

/** vocab.json of public/models/bert (and bert-classifier), written by training/bert.py. */
export interface WordPieceVocab {
  kind: 'wordpiece';
  /** Token strings; a token's id is its index. */
  tokens: string[];
  special: { pad: number; unk: number; cls: number; sep: number; mask: number };
  /** Prefix of a piece that continues a word ("##"). */
  continuation: string;
  /** A word longer than this (in characters) is [UNK] as a whole. */
  max_word: number;
  /** Most tokens one sequence may hold, [CLS] and [SEP]s included. */
  max_len: number;
}

/** A pair as the model reads it: `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]`, cut to max_len. */
export interface EncodedPair {
  ids: number[];
  /** 0 for [CLS], a and its [SEP]; 1 for b and its [SEP]. */
  segments: number[];
  /** The token strings of `ids`, specials included. */
  tokens: string[];
  /** Whether tokens were cut to fit max_len (the widget says so). */
  truncated: boolean;
  /** Per token, where it came from: its segment (0 = a, 1 = b) and its UTF-16 range in that segment's text
   * (`a.slice(start, end)`, original capitals kept; an [UNK] covers its whole word); null for [CLS]/[SEP]. */
  spans: (TokenSpan | null)[];
}

export interface TokenSpan {
  segment: 0 | 1;
  start: number;
  end: number;
}

const SPECIAL_NAMES = ['pad', 'unk', 'cls', 'sep', 'mask'] as const;

/** Checks a parsed vocab.json; throws an error naming what is wrong. */
export function parseWordPiece(raw: unknown): WordPieceVocab {
  const v = (raw ?? {}) as Partial<Record<keyof WordPieceVocab, unknown>>;
  if (v.kind !== 'wordpiece') throw new Error(`vocabulary kind is ${JSON.stringify(v.kind)}, not "wordpiece"`);
  if (!Array.isArray(v.tokens) || v.tokens.length === 0 || !v.tokens.every((t) => typeof t === 'string')) {
    throw new Error('WordPiece vocabulary needs tokens: a non-empty list of strings');
  }
  const tokens = v.tokens as string[];
  const special = (v.special ?? {}) as Record<string, unknown>;
  for (const name of SPECIAL_NAMES) {
    const id = special[name];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= tokens.length) {
      throw new Error(`WordPiece vocabulary needs special.${name}: a token id below ${tokens.length} (got ${JSON.stringify(id)})`);
    }
  }
  if (typeof v.continuation !== 'string' || !v.continuation) throw new Error('WordPiece vocabulary needs continuation, e.g. "##"');
  for (const key of ['max_word', 'max_len'] as const) {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new Error(`WordPiece vocabulary needs ${key}: a positive integer (got ${JSON.stringify(n)})`);
  }
  if ((v.max_len as number) < 3) throw new Error(`WordPiece max_len ${v.max_len} leaves no room for [CLS] and [SEP]`);
  return raw as WordPieceVocab;
}

// Python's str.isspace(), code point by code point (checked over every code point by the fixture). JavaScript's
// \s differs: it lacks \x1c-\x1f and \x85, and has \ufeff.
function isSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp === 0x85 || cp === 0xa0 || cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000
  );
}

const isWordChar = (cp: number) => (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);

interface Word {
  text: string;
  /** UTF-16 range in the text given. */
  start: number;
  end: number;
}

/** Rules 1 and 2 with where each word is (lower-casing keeps every offset). */
function wordsAt(text: string): Word[] {
  const out: Word[] = [];
  let runStart = -1;
  let offset = 0;
  const close = (end: number) => {
    if (runStart >= 0) out.push({ text: text.slice(runStart, end).toLowerCase(), start: runStart, end });
    runStart = -1;
  };
  for (const c of text) {
    let cp = c.codePointAt(0)!;
    if (cp >= 0x41 && cp <= 0x5a) cp += 32;
    if (isWordChar(cp)) {
      if (runStart < 0) runStart = offset;
    } else {
      close(offset);
      if (!isSpace(cp)) out.push({ text: c, start: offset, end: offset + c.length });
    }
    offset += c.length;
  }
  close(offset);
  return out;
}

/** The words of `text`, in order (rules 1 and 2). */
export function words(text: string): string[] {
  return wordsAt(text).map((w) => w.text);
}

// Built once per vocabulary: ~8,500 tokens, looked up for every piece tried. A token listed twice maps to its
// last id, as Python's dict comprehension does.
const indexes = new WeakMap<WordPieceVocab, Map<string, number>>();

function indexOf(vocab: WordPieceVocab): Map<string, number> {
  let index = indexes.get(vocab);
  if (!index) {
    index = new Map(vocab.tokens.map((t, i) => [t, i]));
    indexes.set(vocab, index);
  }
  return index;
}

/** Rule 3: the token strings of one word. */
function pieces(vocab: WordPieceVocab, index: Map<string, number>, word: string): string[] {
  const unk = vocab.tokens[vocab.special.unk]!;
  const chars = [...word];
  if (chars.length === 1) return [index.has(word) ? word : unk];
  if (chars.length > vocab.max_word) return [unk];
  // Only ASCII words are longer than one character, so UTF-16 offsets are character offsets here.
  const out: string[] = [];
  let start = 0;
  while (start < word.length) {
    let end = word.length;
    let piece = '';
    for (; end > start; end--) {
      piece = start === 0 ? word.slice(start, end) : vocab.continuation + word.slice(start, end);
      if (index.has(piece)) break;
    }
    if (end === start) return [unk];
    out.push(piece);
    start = end;
  }
  return out;
}

interface Token {
  text: string;
  id: number;
  start: number;
  end: number;
}

function tokensAt(vocab: WordPieceVocab, text: string): Token[] {
  const index = indexOf(vocab);
  const out: Token[] = [];
  for (const w of wordsAt(text)) {
    const ps = pieces(vocab, index, w.text);
    let at = w.start;
    for (const p of ps) {
      const id = index.get(p)!;
      if (id === vocab.special.unk) {
        out.push({ text: p, id, start: w.start, end: w.end });
        continue;
      }
      const length = p.length - (at === w.start ? 0 : vocab.continuation.length);
      out.push({ text: p, id, start: at, end: at + length });
      at += length;
    }
  }
  return out;
}

/** The token strings of `text`. */
export function tokenize(vocab: WordPieceVocab, text: string): string[] {
  return tokensAt(vocab, text).map((t) => t.text);
}

/** The token ids of `text`, no specials added. */
export function encodeText(vocab: WordPieceVocab, text: string): number[] {
  return tokensAt(vocab, text).map((t) => t.id);
}

/** `[CLS] a [SEP]`, or `[CLS] a [SEP] b [SEP]` when b has tokens, cut to max_len as pair_ids in training/bert.py
 * cuts: while too long, b loses its last token if it is longer than a or a already fits in half the room,
 * else a loses its last token. */
export function encodePair(vocab: WordPieceVocab, a: string, b?: string): EncodedPair {
  const ta = tokensAt(vocab, a);
  const tb = b === undefined ? [] : tokensAt(vocab, b);
  const room = vocab.max_len - (tb.length ? 3 : 2);
  let na = ta.length;
  let nb = tb.length;
  while (na + nb > room) {
    if (nb > na || (nb > 0 && na <= Math.floor(room / 2))) nb--;
    else na--;
  }
  const { cls, sep } = vocab.special;
  const special = (id: number) => ({ text: vocab.tokens[id]!, id, span: null });
  const from = (segment: 0 | 1) => (t: Token) => ({ text: t.text, id: t.id, span: { segment, start: t.start, end: t.end } });
  const parts: { text: string; id: number; span: TokenSpan | null }[] = [special(cls), ...ta.slice(0, na).map(from(0)), special(sep)];
  if (nb) parts.push(...tb.slice(0, nb).map(from(1)), special(sep));
  return {
    ids: parts.map((p) => p.id),
    segments: parts.map((_, i) => (i < na + 2 ? 0 : 1)),
    tokens: parts.map((p) => p.text),
    truncated: na < ta.length || nb < tb.length,
    spans: parts.map((p) => p.span),
  };
}

/** A token as shown on screen: a continuation piece without its "##". */
export function pieceText(token: string, continuation = '##'): string {
  return token.startsWith(continuation) && token.length > continuation.length ? token.slice(continuation.length) : token;
}
