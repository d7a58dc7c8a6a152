import { describe, expect, it } from 'vitest';
import { cardNumber, formatNumber } from '../../src/lib/content/card-value';

describe('numbers quoted from a card', () => {
  const card = { metrics: { exact_match_zh_en: 0.9935 }, training: { seconds: 1865.2, history: [{ loss: 0.91 }, { loss: 0.7123 }] } };

  it('follow a dot path, array items included', () => {
    expect(cardNumber(card, 'metrics.exact_match_zh_en', 'c')).toBe(0.9935);
    expect(cardNumber(card, 'training.history.1.loss', 'c')).toBe(0.7123);
  });

  it('fail naming the card and the path when there is no number', () => {
    expect(() => cardNumber(card, 'metrics.bleu', 'public/models/x/card.json')).toThrow('public/models/x/card.json: "metrics.bleu" is not a number in the card');
    expect(() => cardNumber(card, 'training', 'c')).toThrow(/"training" is not a number/);
  });

  it('format in the page language', () => {
    expect(formatNumber(0.9935, 'percent', 'en')).toBe('99.35%');
    expect(formatNumber(428416, 'integer', 'en')).toBe('428,416');
    expect(formatNumber(1865.2, 'minutes', 'zh')).toBe('31');
    expect(formatNumber(0.7123, 'fixed2', 'zh')).toBe('0.71');
    expect(formatNumber(65_000_000, 'millions', 'en')).toBe('65');
  });
});
