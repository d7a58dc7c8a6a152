import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en';
import { zh } from '../../src/i18n/zh';
import { missingKeys, t } from '../../src/i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('UI dictionaries', () => {
  it('have the same keys, none empty', () => {
    expect(missingKeys()).toEqual([]);
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('the build-time check reports a missing, an empty and an unknown key', () => {
    const { 'nav.home': _dropped, ...gappy } = zh;
    expect(missingKeys({ en, zh: { ...gappy, 'widget.running': '', 'no.such.key': '多余' } })).toEqual([
      'zh: nav.home',
      'zh: widget.running',
      'zh: unknown key no.such.key',
    ]);
  });

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('fill placeholders', () => {
    expect(t('en', 'widget.ready', { provider: 'WebGPU', ms: 3.5 })).toBe('Ran on WebGPU in 3.5 ms.');
    expect(t('zh', 'widget.ready', { provider: 'WebGPU', ms: 3.5 })).toBe(zh['widget.ready'].replace('{provider}', 'WebGPU').replace('{ms}', '3.5'));
    expect(t('en', 'error.modelMissing', {})).toContain('{status}'); // an unfilled placeholder stays visible
  });

  it('Chinese strings are Chinese', () => {
    const han = /[\u4e00-\u9fff]/;
    const exempt = new Set(['nav.switchTo', 'widget.provider.webgpu', 'facts.sha256']);
    for (const [key, value] of Object.entries(zh)) if (!exempt.has(key)) expect(value, key).toMatch(han);
  });

  it('Chinese strings use full-width punctuation beside Chinese characters', () => {
    const halfWidth = /[\u4e00-\u9fff][,:;!?()]|[,:;!?()][\u4e00-\u9fff]/;
    for (const [key, value] of Object.entries(zh)) expect(value, key).not.toMatch(halfWidth);
  });
});
