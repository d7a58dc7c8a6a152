import { describe, expect, it } from 'vitest';
import { cardNumber, formatNumber } from '../../src/lib/content/card-value';
import { logPath, readLog } from '../../src/lib/content/read-log';

describe('numbers quoted from a card or a log', () => {
  const card = { metrics: { exact_match_zh_en: 0.9935 }, training: { seconds: 1865.2, history: [{ loss: 0.91 }, { loss: 0.7123 }] } };

  it('follow a dot path, array items included', () => {
    expect(cardNumber(card, 'metrics.exact_match_zh_en', 'c')).toBe(0.9935);
    expect(cardNumber(card, 'training.history.1.loss', 'c')).toBe(0.7123);
  });

  it('count negative array indexes from the end', () => {
    expect(cardNumber(card, 'training.history.-1.loss', 'c')).toBe(0.7123);
    expect(cardNumber(card, 'training.history.-2.loss', 'c')).toBe(0.91);
    expect(() => cardNumber(card, 'training.history.-3.loss', 'c')).toThrow(/does not lead to a number/);
  });

  it('fail naming the file and the path when there is no number', () => {
    expect(() => cardNumber(card, 'metrics.bleu', 'public/models/x/card.json')).toThrow('public/models/x/card.json: "metrics.bleu" does not lead to a number');
    expect(() => cardNumber(card, 'training', 'c')).toThrow(/"training" does not lead to a number/);
  });

  it('read a committed training log, the file the chart draws', async () => {
    const log = (await readLog('resnet-20')) as { history: { test_error: number }[] };
    const last = log.history[log.history.length - 1]!;
    expect(cardNumber(log, 'history.-1.test_error', logPath('resnet-20'))).toBe(last.test_error);
    await expect(readLog('no-such-run')).rejects.toThrow('training/logs/no-such-run.json is missing');
  });

  it('format in the page language', () => {
    expect(formatNumber(0.9935, 'percent', 'en')).toBe('99.35%');
    expect(formatNumber(0.2, 'percent0', 'zh')).toBe('20%');
    expect(formatNumber(0.8994, 'percent1', 'en')).toBe('89.9%');
    expect(formatNumber(428416, 'integer', 'en')).toBe('428,416');
    expect(formatNumber(1865.2, 'minutes', 'zh')).toBe('31');
    expect(formatNumber(0.7123, 'fixed2', 'zh')).toBe('0.71');
    expect(formatNumber(65_000_000, 'millions', 'en')).toBe('65');
  });
});
