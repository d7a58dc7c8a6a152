/**
 * The selective-copying widget's own views (kind "selective-copy"). On WebGPU and then on WASM: shipped
 * held-out sequences, chosen through the page's picker, make both models recall what PyTorch recalled
 * (samples.json `recalled` of each model; a near tie in the page's own logits may go either way), and the
 * Δ heatmaps show PyTorch's Δ (golden.json) for every layer of both models. On WASM: the marks sit on the
 * symbols, the time-invariant twin's Δ is one colour per channel along the whole sequence, the readout
 * follows the keyboard; a random sequence is the one the card's rules give for its seed, and editing a
 * position by click or keyboard changes the ids and runs again (with a notice when the count of symbols is
 * not the task's). In both languages: axe finds nothing serious in either theme, and it fits a phone.
 *
 * The chapter may hold more than one widget, so every locator is scoped to this kind's root element.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { GPU_LANG, LANGS, VIEW_LANG, chaptersOf, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, expectMapsShow, goldenCases, goldenValues, openWidget, widget, type GoldenValues } from './widget-helpers';
import { t, type Lang } from '../../src/i18n';
import { copyPair, randomSequence, symbolPlaces, type CopyVocab } from '../../src/components/widgets/selective-copy-card';
import type { ShippedSequence } from '../../src/components/widgets/selective-copy-input';

const KIND = 'selective-copy';
/** Held-out sequences checked on each backend: enough to meet every symbol and many places. */
const CHECKED = 12;
/** Logits closer than this are a tie that float rounding may break either way (PyTorch's are not shipped). */
const TIE = 1e-4;

const json = <T,>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const root = (page: Page) => widget(page, KIND);
const part = (page: Page, name: string) => root(page).locator(`[data-part="${name}"]`);
const runs = async (page: Page) => Number((await root(page).getAttribute('data-runs')) ?? 0);
const ids = async (page: Page) => JSON.parse((await root(page).getAttribute('data-ids'))!) as number[];

const open = async (page: Page, lang: Lang, slug: string, provider?: 'wasm') => {
  await openWidget(page, lang, slug, { provider, kind: KIND });
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
};

/** Does `action` and waits until the models have run again on what it changed and the widget is ready. */
async function afterRun(page: Page, action: () => Promise<unknown>) {
  const before = await runs(page);
  await action();
  await expect.poll(() => runs(page)).toBeGreaterThan(before);
  await expect(root(page)).toHaveAttribute('data-state', 'ready');
}

/** Golden values of [1, steps, channels] as the canvas shows them: channels as rows, steps as columns. */
function transposed(g: GoldenValues): GoldenValues {
  const [, steps, channels] = g.shape as [number, number, number];
  if (g.idx) throw new Error('Δ is expected in full in golden.json');
  const val = new Float32Array(g.val.length);
  for (let s = 0; s < steps; s++) for (let c = 0; c < channels; c++) val[c * steps + s] = g.val[s * channels + c]!;
  return { shape: [1, channels, steps], idx: null, val };
}

for (const chapter of chaptersOf('selective-copy')) {
  const [card, twin] = chapter.widget.cards as [typeof chapter.widget.cards[0], typeof chapter.widget.cards[0]];
  const layouts = copyPair(card, twin);
  const [layout] = layouts;
  const { task } = layout;
  const vocab = json<CopyVocab>(`public/models/${card.slug}/${layout.vocab}`);
  const shipped = [card, twin].map((c) => json<{ sequences: ShippedSequence[] }>(`public/models/${c.slug}/samples.json`).sequences);
  const golden = [card, twin].map((c) => goldenCases(c.slug));

  /** Both models' answers on the sequence shown now against PyTorch's for shipped sequence `index`. */
  async function expectRecalled(page: Page, index: number, what: string): Promise<number> {
    let ties = 0;
    for (const m of [0, 1]) {
      const want = shipped[m]!.find((s) => s.ids.join() === shipped[0]![index]!.ids.join());
      expect(want, `${[card, twin][m]!.slug} ships held-out sequence ${index}`).toBeDefined();
      const list = part(page, `recalled-${m}`);
      const got = JSON.parse((await list.getAttribute('data-ids'))!) as number[];
      const logits = JSON.parse((await list.getAttribute('data-logits'))!) as number[][];
      got.forEach((id, k) => {
        if (id === want!.recalled[k]) return;
        const gap = logits[k]![id]! - logits[k]![want!.recalled[k]!]!;
        expect(gap, `${what}, ${[card, twin][m]!.slug}, recall ${k + 1}: ${id} where PyTorch has ${want!.recalled[k]} (logits ${logits[k]!.join(', ')})`).toBeLessThanOrEqual(TIE);
        ties++;
      });
      await expect(list.locator('li')).toHaveCount(task.memorise);
    }
    return ties;
  }

  /** Every layer's Δ map of both models against golden case `c` (the sequence shown now). */
  async function expectGoldenMaps(page: Page, c: number, what: string) {
    for (const [l, o] of layout.delta.entries()) {
      await part(page, 'layer').selectOption(String(l));
      for (const m of [0, 1]) {
        const name = layouts[m]!.delta[l]!.name;
        await expect(part(page, `heatmap-${m}`)).toHaveAttribute('data-output', name);
        const values = transposed(goldenValues(golden[m]![c]!, name));
        await expectMapsShow(page, `[data-widget="${KIND}"] [data-part="heatmap-${m}"] canvas.sh-cells`, values, 'viridis', `${what}, ${[card, twin][m]!.slug} layer ${o.ssm!.layer}`);
      }
    }
    await part(page, 'layer').selectOption('0');
  }

  /** The held-out sequence of golden case `c`, by its ids. */
  const goldenIndex = (c: number) => {
    const bytes = Buffer.from(golden[0]![c]!.inputs[layout.ids.name]!.data, 'base64');
    const goldenIds = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), Number);
    const index = shipped[0]!.findIndex((s) => s.ids.join() === goldenIds.join());
    expect(index, `golden case ${golden[0]![c]!.sample} is a shipped held-out sequence`).toBeGreaterThanOrEqual(0);
    return index;
  };

  test.describe(`${chapter.slug} selective copying`, () => {
    test(`${GPU_LANG}: held-out sequences recall what PyTorch recalled, and the Δ maps show PyTorch's Δ, on WebGPU and on WASM alike`, rerunAfterGpuCrash(async ({ page }) => {
      await open(page, GPU_LANG, chapter.slug);
      await expect(root(page)).toHaveAttribute('data-provider', 'webgpu');
      const indices = [...new Set([...golden[0]!.map((_, c) => goldenIndex(c)), ...Array.from({ length: Math.min(CHECKED, shipped[0]!.length) }, (_, i) => i)])];
      for (const provider of ['webgpu', 'wasm'] as const) {
        if (provider === 'wasm') await chooseProvider(page, 'wasm', KIND);
        let ties = 0;
        for (const index of indices) {
          const seq = shipped[0]![index]!;
          await afterRun(page, () => part(page, 'held-out').selectOption(String(index)));
          expect(await ids(page)).toEqual(seq.ids);
          expect(JSON.parse((await part(page, 'target').getAttribute('data-ids'))!), `held-out ${index}: the symbols in order`).toEqual(seq.target);
          ties += await expectRecalled(page, index, `${provider}, held-out ${index}`);
        }
        for (const c of golden[0]!.keys()) {
          const index = goldenIndex(c);
          await afterRun(page, () => part(page, 'held-out').selectOption(String(index)));
          await expectGoldenMaps(page, c, `${provider}, golden ${golden[0]![c]!.sample}`);
        }
        console.log(`${chapter.slug}: ${provider} recalls PyTorch's symbols on ${indices.length} held-out sequences (${ties} near ties broken the other way) and draws its Δ`);
      }
    }));

    test(`${VIEW_LANG}: marks on the symbols, the twin's Δ constant over time, the readout on the keyboard; random and edited sequences run`, async ({ page }) => {
      await open(page, VIEW_LANG, chapter.slug, 'wasm');
      const first = shipped[0]![0]!;
      expect(await ids(page), 'the first held-out sequence to start with').toEqual(first.ids);
      const places = symbolPlaces(first.ids, layout);
      const tokens = first.ids.map((id) => vocab.tokens[id]!);

      for (const m of [0, 1]) {
        const map = part(page, `heatmap-${m}`);
        await expect(map).toHaveAttribute('data-marked', places.join(','));
        await expect(map.locator('.sh-mark')).toHaveCount(places.length);
        await expect(map.locator('.sh-labels li')).toHaveText(tokens);
        await expect(map.locator('.sh-labels li.marked')).toHaveCount(places.length);
        await expect(map.locator('canvas.sh-cells')).toHaveAttribute('aria-label', t(VIEW_LANG, 'copy.mapName', { model: [card, twin][m]!.title[VIEW_LANG], layer: layout.delta[0]!.ssm!.layer }));
        // The mean row: a bar in every column.
        const bars = await map.locator('canvas.sh-means').evaluate((c: HTMLCanvasElement) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          return Array.from({ length: c.width }, (_, x) => Array.from({ length: c.height }, (_, y) => d[(y * c.width + x) * 4 + 3]!).filter((a) => a > 0).length);
        });
        expect(bars.length).toBe(layout.length);
        expect(Math.min(...bars), 'every step has a bar').toBeGreaterThan(0);
        // The caption each model's card calls for; the time-invariant one holds: every row one colour, all bars alike.
        const selective = layouts[m]!.task.selective;
        await expect(root(page).locator(`figure[data-model="${[card, twin][m]!.slug}"] .copy-caption`)).toHaveText(t(VIEW_LANG, selective ? 'copy.selectiveCaption' : 'copy.ltiCaption'));
        if (!selective) {
          const rows = await map.locator('canvas.sh-cells').evaluate((c: HTMLCanvasElement) => {
            const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
            return Array.from({ length: c.height }, (_, y) => new Set(Array.from({ length: c.width }, (_, x) => d.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 3).join())).size);
          });
          expect(Math.max(...rows), 'colours per channel along time in the time-invariant model').toBe(1);
          expect(new Set(rows.map(String)).size).toBe(1);
          expect(new Set(bars).size, 'equal bars').toBe(1);
        }
      }

      // The readout follows the keyboard on a map.
      const cells = part(page, 'heatmap-0').locator('canvas.sh-cells');
      const readout = part(page, 'heatmap-0').locator('.sh-readout');
      const cellText = (n: number, channel: number) => new RegExp(`^${t(VIEW_LANG, 'copy.cell', { n, token: tokens[n - 1]!, channel, value: 'VALUE' }).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('VALUE', '-?[\\d.e+-]+')}$`);
      await cells.focus();
      await expect(readout).toHaveText(cellText(1, 1));
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowDown');
      await expect(part(page, 'heatmap-0')).toHaveAttribute('data-cursor', '1,1');
      await expect(readout).toHaveText(cellText(2, 2));
      await page.keyboard.press('End');
      await expect(readout).toHaveText(cellText(layout.length, 2));
      // Another layer keeps the cursor and says what is under it now.
      await part(page, 'layer').selectOption('1');
      await expect(part(page, 'heatmap-0')).toHaveAttribute('data-output', layout.delta[1]!.name);
      await expect(part(page, 'heatmap-0')).toHaveAttribute('data-cursor', `${layout.length - 1},1`);

      // A random sequence is the one the card's rules give for its seed.
      const seed = Number(await part(page, 'seed').inputValue());
      await afterRun(page, () => part(page, 'random').click());
      await expect(part(page, 'seed')).toHaveValue(String(seed + 1));
      expect(await ids(page)).toEqual(randomSequence(layout, seed + 1));
      await expect(part(page, 'held-out')).toHaveValue('');
      await afterRun(page, async () => {
        await part(page, 'seed').fill('2023');
        await part(page, 'seed').press('Enter');
      });
      const drawn = randomSequence(layout, 2023);
      expect(await ids(page)).toEqual(drawn);
      await expect(part(page, 'count')).toBeHidden();

      // Editing: a click turns noise into the first symbol; the count differs from the task's and says so.
      const chips = part(page, 'sequence').locator('li');
      await expect(chips).toHaveCount(layout.length);
      await expect(chips.nth(task.body).locator('button')).toHaveCount(0); // recall markers stay
      const noise = drawn.findIndex((id, i) => i < task.body && id === task.noise && drawn[i + 1] === task.noise);
      await afterRun(page, () => chips.nth(noise).locator('button').click());
      const edited = drawn.slice();
      edited[noise] = layout.symbolIds[0]!;
      expect(await ids(page)).toEqual(edited);
      await expect(part(page, 'count')).toHaveText(t(VIEW_LANG, 'copy.count', { count: task.memorise + 1, memorise: task.memorise }));
      await expect(part(page, 'heatmap-0')).toHaveAttribute('data-marked', symbolPlaces(edited, layout).join(','));
      await expect(part(page, 'recalled-0').locator('li')).toHaveCount(task.memorise);
      // The keyboard: Delete puts noise back, → moves on, a symbol's letter puts that symbol.
      await expect(chips.nth(noise).locator('button')).toBeFocused();
      await afterRun(page, () => page.keyboard.press('Delete'));
      expect(await ids(page)).toEqual(drawn);
      await expect(part(page, 'count')).toBeHidden();
      await page.keyboard.press('ArrowRight');
      await expect(chips.nth(noise + 1).locator('button')).toBeFocused();
      const symbol = layout.symbolIds.at(-1)!;
      await afterRun(page, () => page.keyboard.press(vocab.tokens[symbol]!.toLowerCase()));
      const typed = drawn.slice();
      typed[noise + 1] = symbol;
      expect(await ids(page)).toEqual(typed);
      await expect(chips.nth(noise + 1)).toHaveAttribute('data-kind', 'symbol');
      await expect(chips.nth(noise + 1).locator('button')).toBeFocused();
      await expect(part(page, 'error')).toBeHidden();
    });

    for (const lang of LANGS) {
      test(`${lang}: no serious accessibility problem in either theme once the widget has run; fits a phone`, async ({ page }) => {
        await open(page, lang, chapter.slug, 'wasm');
        await expect(part(page, 'recalled-1').locator('li')).toHaveCount(task.memorise);
        for (const theme of ['light', 'dark']) {
          await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
          const results = await new AxeBuilder({ page }).include(`[data-widget="${KIND}"]`).analyze();
          const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(bad.map((v) => `${theme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
        }
        await page.setViewportSize({ width: 360, height: 800 });
        await root(page).scrollIntoViewIfNeeded();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, 'sideways scrolling on a 360 px phone').toBeLessThanOrEqual(0);
      });
    }
  });
}
