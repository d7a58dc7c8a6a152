/** Text to token ids and back, by the rules a model's vocabulary file states (vocab.json in its folder,
 * written by the training script). Errors name the problem and where it is, so the page can say it. */

export interface Vocabulary {
  /** Token strings; a token's id is its index. */
  tokens: string[];
  /** Ids of the special tokens, e.g. { pad: 0, bos: 1, eos: 2 }. */
  special: Record<string, number>;
  /** How text of each language is split: into characters, or into words with some characters kept as tokens of their own. */
  split: Record<string, { by: 'char' } | { by: 'word'; separate: string[] }>;
  /** Most tokens one sequence may hold, specials included. */
  max_len: number;
  /** Other spellings readers type, mapped to the token the model knows (两 → 二). */
  aliases?: Record<string, string>;
}

export type TokenProblem =
  | { kind: 'empty' }
  | { kind: 'unknown'; token: string; position: number }
  | { kind: 'too-long'; count: number; max: number };

// Plain class fields (no constructor parameter properties): `npm run bench` imports this file with Node's
// own TypeScript type stripping, which accepts only erasable syntax.
export class TokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem) {
    super(JSON.stringify(problem));
    this.name = 'TokenError';
    this.problem = problem;
  }
}

export function parseVocabulary(raw: unknown): Vocabulary {
  const v = raw as Partial<Vocabulary>;
  if (!Array.isArray(v.tokens) || !v.special || !v.split || typeof v.max_len !== 'number') {
    throw new Error('vocabulary file needs tokens, special, split and max_len');
  }
  return v as Vocabulary;
}

/** The token strings of `text` in language `lang`, before lookup. */
export function split(vocab: Vocabulary, text: string, lang: string): string[] {
  const rule = vocab.split[lang];
  if (!rule) throw new Error(`the vocabulary has no rule for "${lang}"`);
  const clean = text.trim().toLowerCase();
  if (rule.by === 'char') return [...clean.replace(/\s+/g, '')];
  let spaced = clean;
  for (const s of rule.separate) spaced = spaced.split(s).join(` ${s} `);
  return spaced.split(/\s+/).filter(Boolean);
}

/** Token ids of `text`; throws a TokenError for empty text, an unknown token (with its position), or text
 * that with `reserve` extra tokens (direction, BOS, EOS) would not fit. */
export function encode(vocab: Vocabulary, text: string, lang: string, reserve = 0): number[] {
  const parts = split(vocab, text, lang);
  if (!parts.length) throw new TokenError({ kind: 'empty' });
  const index = new Map(vocab.tokens.map((t, i) => [t, i]));
  const ids = parts.map((token, position) => {
    const id = index.get(vocab.aliases?.[token] ?? token);
    if (id === undefined) throw new TokenError({ kind: 'unknown', token, position });
    return id;
  });
  if (ids.length + reserve > vocab.max_len) throw new TokenError({ kind: 'too-long', count: ids.length, max: vocab.max_len - reserve });
  return ids;
}

/** A translation source as the training script lays it out: the direction token of the target language
 * (special `to_<lang>`), the text's tokens, then EOS. Throws a TokenError as `encode` does. */
export function sourceIds(vocab: Vocabulary, text: string, from: string, to: string): number[] {
  const direction = vocab.special[`to_${to}`];
  if (direction === undefined) throw new Error(`the vocabulary has no direction token to_${to}`);
  return [direction, ...encode(vocab, text, from, 2), vocab.special.eos!];
}

/** Text of token ids in language `lang`, special tokens left out. */
export function decode(vocab: Vocabulary, ids: readonly number[], lang: string): string {
  const specials = new Set(Object.values(vocab.special));
  const words = ids.filter((id) => !specials.has(id)).map((id) => vocab.tokens[id] ?? '?');
  const rule = vocab.split[lang];
  if (!rule || rule.by === 'char') return words.join('');
  let text = words.join(' ');
  for (const s of rule.separate) text = text.split(` ${s} `).join(s);
  return text;
}
