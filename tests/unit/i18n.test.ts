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

  it('use the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('fill placeholders', () => {
    expect(t('en', 'widget.ready', { provider: 'WebGPU', ms: 3.5 })).toBe('Ran on WebGPU in 3.5 ms.');
    expect(t('zh', 'widget.ready', { provider: 'WebGPU', ms: 3.5 })).toContain('3.5');
  });

  it('Chinese strings are Chinese', () => {
    const han = /[\u4e00-\u9fff]/;
    const exempt = new Set(['nav.switchTo', 'widget.provider.webgpu', 'facts.sha256']);
    for (const [key, value] of Object.entries(zh)) if (!exempt.has(key)) expect(value, key).toMatch(han);
  });
});
