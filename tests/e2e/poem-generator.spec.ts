/**
 * The poem generator's own views (kind "poem-generator"). On WebGPU (two of them) and then WASM (all): the
 * shipped prompts, picked from the page, are continued greedily exactly as PyTorch continued them
 * (samples.json `greedy`). On WASM: the first run of a new start (it reads <s> from zero states, golden
 * case "start") shows PyTorch's next-character probabilities, and its state and Δ heatmaps show PyTorch's
 * values; later heatmaps stay drawn as the text grows, and the memory note counts the Transformer's cache
 * for as many tokens. Step adds one run; Stop ends Play early and Step carries on from there; a seeded
 * sample repeats. In both languages: a character outside the vocabulary is shown and said to be read as
 * <unk>, a start too long is refused, and the widget fits a 360 px phone.
 *
 * A chapter may show other widgets too, so every locator here is scoped to this one.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { GPU_LANG, LANGS, VIEW_LANG, chaptersOf, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, expectLongTextCut, expectMapsShow, goldenCases, goldenValues, openWidget, widget } from './widget-helpers';
import { t, type Lang } from '../../src/i18n';
import { softmax, topK } from '../../src/lib/text/mlm';
import { poemLayout } from '../../src/components/widgets/poem-card';

interface Prompt {
  prompt: string;
  ids: number[];
  greedy: number[];
}

const KIND = 'poem-generator';
const root = (page: Page) => widget(page, KIND);
const part = (page: Page, name: string) => root(page).locator(`[data-part="${name}"]`);
const steps = async (page: Page) => Number((await root(page).getAttribute('data-steps')) ?? 0);
const generated = async (page: Page) => JSON.parse((await root(page).getAttribute('data-generated')) ?? '[]') as number[];

/** Opens the chapter at this widget and waits until it has loaded and generated (or failed). */
const openPoem = (page: Page, lang: Lang, slug: string, provider: 'wasm' | 'auto' = 'wasm') => openWidget(page, lang, slug, { provider, kind: KIND });

/** Waits until the widget is idle after a whole generation. */
async function generatedAll(page: Page) {
  await expect(root(page)).toHaveAttribute('data-done', 'true');
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
}

/** Does `action`, which starts a new text, and waits until the whole text is written. */
async function afterGeneration(page: Page, action: () => Promise<unknown>) {
  const count = async () => Number((await root(page).getAttribute('data-generation')) ?? 0);
  const before = await count();
  await action();
  await expect.poll(count).toBeGreaterThan(before);
  await generatedAll(page);
}

/** Number of distinct colours on a canvas: more than one means something was drawn. */
function colours(page: Page, selector: string) {
  return root(page).locator(selector).evaluate((c: HTMLCanvasElement) => {
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return { width: c.width, height: c.height, colours: seen.size };
  });
}

for (const chapter of chaptersOf('poem-generator')) {
  const card = chapter.widget.cards[0]!;
  const dir = `public/models/${card.slug}`;
  const layout = poemLayout(card);
  const { prompts } = JSON.parse(readFileSync(`${dir}/samples.json`, 'utf8')) as { prompts: Prompt[] };

  test.describe(`${chapter.slug} poem generator`, () => {
    // A run on SwiftShader's WebGPU takes about a fifth of a second, so WebGPU writes two texts (the one the
    // page opens with, and the longest start); WASM writes every one.
    test(`${GPU_LANG}: WebGPU and WASM continue the shipped prompts greedily as PyTorch did`, rerunAfterGpuCrash(async ({ page }) => {
      const longest = prompts.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
      const check = async (provider: string, p: Prompt) => {
        await expect(part(page, 'text')).toHaveValue(p.prompt);
        // PyTorch stopped where the model chose <s> (another poem begins); the page stops there too.
        expect(await generated(page), `${provider}: ${p.prompt}`).toEqual(p.greedy);
        await expect(root(page)).toHaveAttribute('data-steps', String(p.ids.length + p.greedy.length - 1));
      };
      await openPoem(page, GPU_LANG, chapter.slug, 'auto');
      await expect(root(page)).toHaveAttribute('data-provider', 'webgpu');
      await generatedAll(page);
      await check('webgpu', prompts[0]!);
      await afterGeneration(page, () => part(page, 'prompts').locator(`button[data-prompt="${prompts.indexOf(longest)}"]`).click());
      await check('webgpu', longest);
      console.log(`${chapter.slug}: webgpu: ${await part(page, 'stats').textContent()}`);

      await chooseProvider(page, 'wasm', KIND);
      for (const [i, p] of prompts.entries()) {
        await afterGeneration(page, () => part(page, 'prompts').locator(`button[data-prompt="${i}"]`).click());
        await check('wasm', p);
      }
      console.log(`${chapter.slug}: wasm: ${await part(page, 'stats').textContent()}`);
    }));

    test(`${VIEW_LANG}: the first run reads <s> from zero states: PyTorch's probabilities, state and Δ; the views grow with the text`, async ({ page }) => {
      const start = goldenCases(card.slug).find((c) => c.sample === 'start')!;
      await openPoem(page, VIEW_LANG, chapter.slug);
      // A new start (the page opened with the first prompt) and Step: one run, which reads <s>.
      const prompt = prompts.at(-1)!;
      await part(page, 'text').fill(prompt.prompt);
      await part(page, 'step').click();
      await expect(root(page)).toHaveAttribute('data-steps', '1');
      await expect(root(page)).toHaveAttribute('data-state', 'ready');

      const probs = softmax(goldenValues(start, layout.step.logits).val);
      const bars = await part(page, 'probs').locator('li').evaluateAll((items) =>
        items.map((li) => ({ id: Number((li as HTMLElement).dataset.id), p: Number((li as HTMLElement).dataset.p), marked: li.classList.contains('marked') })));
      const want = topK(probs, 5);
      expect(bars.map((b) => b.id), 'the five most probable characters, in order').toEqual(want.map((w) => w.id));
      bars.forEach((b, i) => expect(Math.abs(b.p - want[i]!.p), `bar ${i}`).toBeLessThanOrEqual(1e-4));
      // After <s> the next token is the start's first character, marked if it is among the five.
      const first = prompt.ids[1]!;
      for (const b of bars) expect(b.marked, `bar of ${b.id}`).toBe(b.id === first);

      const { channels: E, dState: N, layers } = layout;
      const state = goldenValues(start, layout.ssm.name).val;
      const delta = goldenValues(start, layout.delta.name).val;
      for (let layer = 0; layer < layers; layer++) {
        await part(page, 'layer').selectOption(String(layer));
        await expect(part(page, 'state')).toHaveAttribute('data-layer', String(layer));
        const what = `layer ${layer + 1}`;
        await expectMapsShow(page, `[data-widget="${KIND}"] [data-part="state"]`,
          { shape: [E, N], idx: null, val: state.slice(layer * E * N, (layer + 1) * E * N) }, 'diverging', `${what}: state h`);
        // One column, the run that read <s>: Δ of every channel.
        await expectMapsShow(page, `[data-widget="${KIND}"] [data-part="delta"] canvas.sh-cells`,
          { shape: [E, 1], idx: null, val: delta.slice(layer * E, (layer + 1) * E) }, 'viridis', `${what}: Δ`);
      }

      // The state map reads out the cell under the keyboard cursor.
      await part(page, 'state').focus();
      await part(page, 'state').press('ArrowRight');
      await expect(part(page, 'state-readout')).toContainText('h = ');

      // Play to the end: both maps stay drawn, Δ has a column per run, and the note counts the cache.
      await part(page, 'play').click();
      await generatedAll(page);
      const runs = await steps(page);
      expect(runs).toBeLessThanOrEqual(layout.maxLength - 1);
      const s = await colours(page, '[data-part="state"]');
      expect(s).toMatchObject({ width: N, height: E });
      expect(s.colours, 'the state heatmap is not blank').toBeGreaterThan(10);
      const d = await colours(page, '[data-part="delta"] canvas.sh-cells');
      expect(d).toMatchObject({ width: runs, height: E });
      expect(d.colours, 'the Δ heatmap is not blank').toBeGreaterThan(10);
      await expect(part(page, 'delta').locator('.sh-labels li')).toHaveCount(runs);
      await expect(part(page, 'memory')).toHaveAttribute('data-kv', String(2 * layers * layout.dModel * runs));
      await expect(part(page, 'memory-state-value')).toHaveText(layout.stateFloats.toLocaleString('zh-CN'));
      await expect(part(page, 'limit')).toBeVisible();
    });

    test(`${VIEW_LANG}: Step adds one run; Stop ends Play early, and Step carries on from there`, async ({ page }) => {
      await openPoem(page, VIEW_LANG, chapter.slug);
      // A seeded sample long enough to stop half-way: a text ends early once the model chooses <s>.
      await part(page, 'method').selectOption('sample');
      await part(page, 'text').fill(prompts.at(-1)!.prompt);
      await part(page, 'temperature').fill('1');
      for (let seed = 1; ; seed++) {
        expect(seed, 'a seed whose text is 16 characters or longer').toBeLessThan(40);
        await part(page, 'seed').fill(String(seed));
        await afterGeneration(page, () => part(page, 'seed').dispatchEvent('change'));
        if ((await generated(page)).length >= 16) break;
      }
      const total = await steps(page);
      await part(page, 'step').click();
      await expect(root(page)).toHaveAttribute('data-steps', '1');
      await expect(root(page)).toHaveAttribute('data-state', 'ready');
      await part(page, 'step').click();
      await expect(root(page)).toHaveAttribute('data-steps', '2');
      await expect(root(page)).toHaveAttribute('data-state', 'ready');

      await part(page, 'play').click();
      await expect.poll(() => steps(page), { intervals: [50] }).toBeGreaterThanOrEqual(4);
      await part(page, 'stop').click();
      await expect(part(page, 'status')).toHaveText(t(VIEW_LANG, 'widget.stopped'));
      await expect(root(page)).toHaveAttribute('data-done', 'false');
      await expect(part(page, 'stop')).toBeHidden();
      const stopped = await steps(page);
      expect(stopped).toBeLessThan(total);
      // What was written so far stays; Step reads one more token.
      const before = await generated(page);
      await part(page, 'step').click();
      await expect(root(page)).toHaveAttribute('data-steps', String(stopped + 1));
      await expect(root(page)).toHaveAttribute('data-state', 'ready');
      expect((await generated(page)).slice(0, before.length)).toEqual(before);
    });

    test(`${VIEW_LANG}: a seeded sample repeats; another seed writes another text`, async ({ page }) => {
      await openPoem(page, VIEW_LANG, chapter.slug);
      await part(page, 'method').selectOption('sample');
      await expect(part(page, 'seed')).toBeEnabled();
      const sampleWith = async (seed: number) => {
        await part(page, 'seed').fill(String(seed));
        await afterGeneration(page, () => part(page, 'seed').dispatchEvent('change'));
        return generated(page);
      };
      const a = await sampleWith(3);
      const b = await sampleWith(4);
      expect(await sampleWith(3)).toEqual(a);
      expect(b).not.toEqual(a);
    });

    for (const lang of LANGS) {
      test(`${lang}: a character outside the vocabulary is read as <unk>; a start too long is refused, ten thousand pasted characters are cut with a notice; fits 360 px`, async ({ page }) => {
        await page.setViewportSize({ width: 360, height: 800 });
        await openPoem(page, lang, chapter.slug);
        const odd = '☃';
        await part(page, 'text').fill(`春${odd}`);
        await afterGeneration(page, () => part(page, 'text').press('Enter'));
        await expect(part(page, 'unknown')).toHaveText(t(lang, 'poem.unknown', { chars: `“${odd}”`, size: layout.vocabSize }));
        await expect(part(page, 'poem').locator('span.unknown')).toHaveText(odd);
        await expect(part(page, 'delta').locator('.sh-labels li').nth(2)).toHaveText(odd);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, 'sideways scrolling on a 360 px phone').toBeLessThanOrEqual(0);

        const long = '春'.repeat(layout.maxLength);
        await part(page, 'text').evaluate((box: HTMLInputElement, text) => (box.value = text), long);
        await part(page, 'text').press('Enter');
        await expect(part(page, 'error')).toHaveText(t(lang, 'poem.tooLong', { count: long.length, max: layout.maxLength, limit: layout.maxLength - 2 }));
        await expect(part(page, 'text')).toHaveAttribute('aria-invalid', 'true');
        await afterGeneration(page, () => part(page, 'prompts').locator('button[data-prompt="0"]').click());
        await expect(part(page, 'error')).toBeHidden();
        await expect(part(page, 'unknown')).toBeHidden();        await expectLongTextCut(page, lang, 'poem-generator');
      });
    }
  });
}
