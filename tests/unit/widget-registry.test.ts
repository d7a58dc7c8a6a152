/** The widget registry is the one list of kinds: every kind has its e2e spec, and that spec tests the
 * chapters of that kind; every shipped card names a kind that exists. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WIDGETS, isWidgetKind } from '../../src/components/widgets/registry';
import { loadModel, modelDirs } from './models';

describe('widget registry', () => {
  it.each(Object.entries(WIDGETS))('%s has its e2e spec, which selects the chapters of that kind', (kind, entry) => {
    expect(existsSync(entry.spec), entry.spec).toBe(true);
    expect(readFileSync(entry.spec, 'utf8')).toContain(`chaptersOf('${kind}')`);
    // A custom element name needs a hyphen, which the na- prefix gives: na-translator, na-image-classifier.
    expect(entry.tag).toMatch(/^na-[a-z]+(-[a-z]+)*$/);
  });

  it('gives every kind its own element', () => {
    const tags = Object.values(WIDGETS).map((w) => w.tag);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it.each(modelDirs())('the card in %s names a registered widget kind', (dir) => {
    const { card } = loadModel(dir);
    expect(isWidgetKind(card.widget), `${card.widget} (kinds: ${Object.keys(WIDGETS).join(', ')})`).toBe(true);
  });
});
