/**
 * The BERT explorer's own views (kind "bert-explorer"). Once per model pair, on WebGPU and then on WASM:
 * a held-out passage in each language, loaded through the page's held-out picker, gets PyTorch's top-5 ids
 * and probabilities (samples.json `top5`, `top5_probs`) at every masked position, the two backends agree,
 * and the fine-tuned classifier gives PyTorch's probabilities on held-out lines typed into the box (whose
 * tokens are the ids Python gave them). On WASM: every head's attention, as matrix, token strip and small
 * multiple, is PyTorch's for the golden passage, and layers and heads are chosen by mouse and keyboard;
 * tokens are masked by click and by keyboard, and with no mask the model still runs. In both languages:
 * over-long text and a 10,000-character paste say what was left out, an empty box says what to do, and axe
 * finds nothing serious in either theme once the widget has run, which fits a phone.
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { GPU_LANG, LANGS, VIEW_LANG, chaptersOf, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, expectMapsShow, goldenCases, goldenValues, openWidget, widget } from './widget-helpers';
import { t } from '../../src/i18n';
import { bertPair } from '../../src/components/widgets/bert-card';
import { MAX_CHARS } from '../../src/components/widgets/bert-input';
import { encodePair, parseWordPiece, tokenize } from '../../src/lib/input/wordpiece';
import { TOLERANCE } from '../../src/lib/verify/golden';

interface HeldOut {
  lang: 'zh' | 'en';
  ids: number[];
  segments: number[];
  positions: number[];
  targets: number[];
  top5: number[][];
  top5_probs: number[][];
}
interface Example {
  lang: 'zh' | 'en';
  text: string;
  /** Indices in the ids (0 = [CLS]) masked first. */
  positions: number[];
}
interface ClassifierHeldOut {
  text: string;
  class: number;
  ids: number[];
  probs: number[];
}
/** What the page lists under one [MASK]: its position and the ranked ids with their exact probabilities. */
type Drawn = Record<number, { id: number; p: number }[]>;

const part = (page: Page, name: string) => page.locator(`[data-part="${name}"]`);
const json = <T,>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const runs = async (page: Page) => Number((await widget(page).getAttribute('data-runs')) ?? 0);

/** Does `action` and waits until the model has run again on what it changed and the widget is ready. */
async function afterRun(page: Page, action: () => Promise<unknown>) {
  const before = await runs(page);
  await action();
  await expect.poll(() => runs(page)).toBeGreaterThan(before);
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
}

function readPredictions(page: Page): Promise<Drawn> {
  return part(page, 'predictions').locator('section.mask-card').evaluateAll((cards) =>
    Object.fromEntries(cards.map((c) => [
      Number((c as HTMLElement).dataset.position),
      [...c.querySelectorAll<HTMLElement>('li')].map((li) => ({ id: Number(li.dataset.id), p: Number(li.dataset.p) })),
    ])),
  );
}

/**
 * Rank by rank, the ids of `want` with its probabilities within `atol`. Two candidates whose probabilities
 * differ by less than `tie` (PyTorch's are rounded to 5 decimals) may come in either order, and the last
 * place may go to a candidate PyTorch ranked sixth at the same probability; `ties` counts such places.
 */
function expectRanked(got: { id: number; p: number }[], want: { ids: number[]; probs: number[] }, what: string, atol: number, tie = 1e-5) {
  expect(got.length, what).toBe(want.ids.length);
  let ties = 0;
  got.forEach(({ id, p }, rank) => {
    expect(Math.abs(p - want.probs[rank]!), `${what}, rank ${rank + 1}: probability ${p} vs ${want.probs[rank]}`).toBeLessThanOrEqual(atol);
    if (id === want.ids[rank]) return;
    const at = want.ids.indexOf(id);
    const tied = at >= 0 ? Math.abs(want.probs[at]! - p) <= tie : rank === want.ids.length - 1 && Math.abs(want.probs[rank]! - p) <= tie;
    expect(tied, `${what}, rank ${rank + 1}: id ${id} where the reference has ${want.ids[rank]} (ids ${want.ids.join(', ')})`).toBe(true);
    ties++;
  });
  return ties;
}

/** The held-out passage `index` through the page's picker; checks its tokens and masks are the ones shipped. */
async function loadHeldOut(page: Page, held: HeldOut, index: number) {
  await afterRun(page, () => part(page, 'held-out').selectOption(String(index)));
  await expect(widget(page)).toHaveAttribute('data-masked', JSON.stringify(held.positions));
  const original = held.ids.map((id, i) => {
    const k = held.positions.indexOf(i);
    return k >= 0 ? held.targets[k]! : id;
  });
  const chips = part(page, 'tokens').locator('li');
  expect(await chips.evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.id)))).toEqual(original);
  for (const p of held.positions) await expect(chips.nth(p).locator('button')).toHaveAttribute('aria-pressed', 'true');
}

for (const chapter of chaptersOf('bert-explorer')) {
  const [card, twin] = chapter.widget.cards as [typeof chapter.widget.cards[0], typeof chapter.widget.cards[0]];
  const { mlm, classifier } = bertPair(card, twin);
  const dir = `public/models/${card.slug}`;
  const vocab = parseWordPiece(json(`${dir}/${mlm.vocab}`));
  const samples = json<{ examples: Example[]; held_out: HeldOut[] }>(`${dir}/samples.json`);
  const lines = json<{ held_out: ClassifierHeldOut[] }>(`public/models/${twin.slug}/samples.json`).held_out;
  /** The first held-out passage of each language, and the first held-out line of the first and last class. */
  const passages = (['zh', 'en'] as const).map((lang) => samples.held_out.findIndex((h) => h.lang === lang));
  const lastClass = Math.max(...lines.map((l) => l.class));
  const classified = [lines.find((l) => l.class === 0)!, lines.find((l) => l.class === lastClass)!];

  test.describe(`${chapter.slug} BERT explorer`, () => {
    test(`${GPU_LANG}: held-out passages get PyTorch's top-5 and the classifier PyTorch's probabilities, on WebGPU and on WASM alike`, rerunAfterGpuCrash(async ({ page }) => {
      await openWidget(page, GPU_LANG, chapter.slug);
      await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
      const seen: Record<string, { predictions: Drawn[]; verdicts: number[][] }> = {};
      for (const provider of ['webgpu', 'wasm'] as const) {
        if (provider === 'wasm') await chooseProvider(page, 'wasm');
        const predictions: Drawn[] = [];
        let ties = 0;
        for (const index of passages) {
          const held = samples.held_out[index]!;
          await loadHeldOut(page, held, index);
          const drawn = await readPredictions(page);
          expect(Object.keys(drawn).map(Number)).toEqual(held.positions);
          held.positions.forEach((pos, k) => {
            ties += expectRanked(drawn[pos]!, { ids: held.top5[k]!, probs: held.top5_probs[k]! }, `${provider}, held-out ${held.lang} ${index}, token ${pos}`, 1e-4);
          });
          predictions.push(drawn);
        }
        const verdicts: number[][] = [];
        for (const line of classified) {
          await afterRun(page, () => part(page, 'text').fill(line.text));
          const ids = await part(page, 'tokens').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.id)));
          expect(ids, `the page tokenizes “${line.text}” as Python did`).toEqual(line.ids);
          const probs = JSON.parse((await widget(page).getAttribute('data-verdict'))!) as number[];
          expect(probs.length).toBe(classifier.labels[GPU_LANG].length);
          probs.forEach((p, c) => expect(Math.abs(p - line.probs[c]!), `${provider}: “${line.text}”, class ${c}`).toBeLessThanOrEqual(1e-4));
          const best = probs.indexOf(Math.max(...probs));
          await expect(part(page, 'verdict').locator('li').first().locator('.bar-label')).toHaveText(classifier.labels[GPU_LANG][best]!);
          verdicts.push(probs);
        }
        seen[provider] = { predictions, verdicts };
        console.log(`${chapter.slug}: ${provider} reproduces PyTorch's top-5 (${ties} places swapped between tied candidates) and classifier probabilities`);
      }
      // The same predictions on both backends: ranks (up to ties) and probabilities.
      let worst = 0;
      seen.webgpu!.predictions.forEach((drawn, s) => {
        for (const [pos, gpu] of Object.entries(drawn)) {
          const cpu = seen.wasm!.predictions[s]![Number(pos)]!;
          expectRanked(gpu, { ids: cpu.map((r) => r.id), probs: cpu.map((r) => r.p) }, `WebGPU vs WASM, passage ${s}, token ${pos}`, 1e-5, 1e-6);
          gpu.forEach((r, k) => (worst = Math.max(worst, Math.abs(r.p - cpu[k]!.p))));
        }
      });
      seen.webgpu!.verdicts.forEach((v, s) => v.forEach((p, c) => expect(Math.abs(p - seen.wasm!.verdicts[s]![c]!)).toBeLessThanOrEqual(1e-5)));
      console.log(`${chapter.slug}: top-5 probabilities, max |WebGPU − WASM| ${worst.toExponential(1)}`);
    }));

    test(`${VIEW_LANG}: every head's attention is PyTorch's, as matrix, token strip and small multiple; layers and heads by mouse and keyboard`, async ({ page }) => {
      const golden = goldenCases(card.slug).find((c) => c.graph === mlm.graph)!;
      const bytes = Buffer.from(golden.inputs[mlm.ids.name]!.data, 'base64');
      const goldenIds = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), Number);
      const index = samples.held_out.findIndex((h) => h.ids.join() === goldenIds.join());
      expect(index, `golden case ${golden.sample} is a shipped held-out passage`).toBeGreaterThanOrEqual(0);
      const n = goldenIds.length;
      const fed = goldenIds.map((id) => vocab.tokens[id]!);

      await openWidget(page, VIEW_LANG, chapter.slug, { provider: 'wasm' });
      await loadHeldOut(page, samples.held_out[index]!, index);
      const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(b);
      const expectWeights = (got: number[], want: ArrayLike<number>, what: string) => {
        expect(got.length, what).toBe(want.length);
        const off = got.findIndex((w, i) => !close(w, want[i]!));
        expect(off, `${what}: value ${off} is ${got[off]}, PyTorch ${want[off]}`).toBe(-1);
      };
      const matrix = () => part(page, 'attention').locator('.cell').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.weight)));
      const strip = () => part(page, 'attention-tokens').locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.weight)));
      const headOf = (layer: number, head: number) => goldenValues(golden, mlm.attention[layer]!.name).val.subarray(head * n * n, (head + 1) * n * n);

      // Every layer and head through the selects: the matrix, labelled with the tokens the model read.
      await expect(part(page, 'attention').locator('.row-label')).toHaveText(fed);
      for (const [layer, o] of mlm.attention.entries()) {
        await part(page, 'layer').selectOption(String(layer));
        for (let head = 0; head < mlm.heads; head++) {
          await part(page, 'head').selectOption(String(head));
          await expect(part(page, 'attention')).toHaveAttribute('data-output', o.name);
          await expect(part(page, 'attention')).toHaveAttribute('data-head', String(head));
          const want = headOf(layer, head);
          expectWeights(await matrix(), want, `layer ${layer + 1}, head ${head + 1}`);
          const query = Number(await part(page, 'attention-tokens').getAttribute('data-query'));
          expectWeights(await strip(), want.subarray(query * n, (query + 1) * n), `layer ${layer + 1}, head ${head + 1}, token ${query}`);
        }
        // The small multiples of this layer: one canvas per head, coloured by PyTorch's weights.
        const values = goldenValues(golden, o.name);
        await expectMapsShow(page, `[data-part="heads"] .grid-tile[data-row="${layer}"] canvas`, values, 'viridis', `layer ${layer + 1} small multiples`);
      }

      // A small multiple chosen by mouse, then the next one by keyboard.
      const tile = (l: number, h: number) => part(page, 'heads').locator(`.grid-tile[data-row="${l}"][data-col="${h}"]`);
      await tile(1, 2).click();
      await expect(tile(1, 2)).toHaveAttribute('aria-pressed', 'true');
      await expect(part(page, 'layer')).toHaveValue('1');
      await expect(part(page, 'head')).toHaveValue('2');
      expectWeights(await matrix(), headOf(1, 2), 'tile layer 2, head 3');
      await tile(1, 2).focus();
      await page.keyboard.press('ArrowDown');
      await expect(tile(2, 2)).toBeFocused();
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Enter');
      await expect(tile(2, 1)).toHaveAttribute('aria-pressed', 'true');
      await expect(part(page, 'attention')).toHaveAttribute('data-output', mlm.attention[2]!.name);
      expectWeights(await matrix(), headOf(2, 1), 'tile layer 3, head 2');

      // The token strip: a click makes a token the query, the arrow keys move it; hovering shows a row.
      const tokens = part(page, 'attention-tokens');
      await tokens.locator('li').nth(5).locator('button').click();
      await expect(tokens).toHaveAttribute('data-query', '5');
      expectWeights(await strip(), headOf(2, 1).subarray(5 * n, 6 * n), 'token 5');
      await page.keyboard.press('ArrowRight');
      await expect(tokens).toHaveAttribute('data-query', '6');
      await expect(part(page, 'query-caption')).toContainText(fed[6]!);
      expectWeights(await strip(), headOf(2, 1).subarray(6 * n, 7 * n), 'token 6');
      await tokens.locator('li').nth(9).hover();
      await expect(tokens).toHaveAttribute('data-query', '9');
      expectWeights(await strip(), headOf(2, 1).subarray(9 * n, 10 * n), 'hovered token 9');
      // Hovering the matrix highlights a row.
      await part(page, 'attention').locator('.attention-row:not(.head)').nth(3).hover();
      await expect(part(page, 'attention')).toHaveAttribute('data-active-row', '3');
    });

    test(`${VIEW_LANG}: tokens are masked by click and by keyboard; each mask gets five guesses; with none the model still runs`, async ({ page }) => {
      await openWidget(page, VIEW_LANG, chapter.slug, { provider: 'wasm' });
      // The first example of the page's language, masked as samples.json says.
      const example = samples.examples.find((e) => e.lang === VIEW_LANG)!;
      await expect(part(page, 'text')).toHaveValue(example.text);
      const pair = encodePair(vocab, example.text);
      const chips = part(page, 'tokens').locator('li');
      await expect(chips).toHaveCount(pair.ids.length);
      const first = example.positions;
      await expect(widget(page)).toHaveAttribute('data-masked', JSON.stringify(first));
      const masks = part(page, 'predictions').locator('section.mask-card');
      await expect(masks).toHaveCount(first.length);
      for (const pos of first) await expect(chips.nth(pos).locator('button')).toHaveText(new RegExp(`^\\[MASK\\]`));

      // A click masks another token; its guesses appear; the original is marked if it is among them.
      // Two neighbouring tokens of the text (not [CLS] or [SEP]) that the example leaves unmasked.
      const free = (i: number) => !!pair.spans[i] && !first.includes(i);
      const other = pair.ids.findIndex((_, i) => free(i) && free(i + 1));
      await afterRun(page, () => chips.nth(other).locator('button').click());
      await expect(chips.nth(other).locator('button')).toHaveAttribute('aria-pressed', 'true');
      await expect(widget(page)).toHaveAttribute('data-masked', JSON.stringify([...first, other].sort((a, b) => a - b)));
      const card = masks.and(page.locator(`[data-position="${other}"]`));
      await expect(card.locator('li')).toHaveCount(5);
      const listed = await card.locator('li').evaluateAll((lis) => lis.map((li) => ({ id: Number((li as HTMLElement).dataset.id), marked: li.classList.contains('marked') })));
      for (const r of listed) expect(r.marked, `id ${r.id}`).toBe(r.id === pair.ids[other]);
      const probs = await card.locator('li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.p)));
      expect(probs, 'largest first').toEqual([...probs].sort((a, b) => b - a));

      // The keyboard: focus moves along the chips (specials are skipped), Space and Enter toggle.
      await chips.nth(other).locator('button').focus();
      await page.keyboard.press('ArrowRight');
      const next = other + 1;
      await expect(chips.nth(next).locator('button')).toBeFocused();
      await afterRun(page, () => page.keyboard.press('Space'));
      await expect(chips.nth(next).locator('button')).toHaveAttribute('aria-pressed', 'true');
      await expect(chips.nth(next).locator('button')).toBeFocused();
      await afterRun(page, () => page.keyboard.press('Enter'));
      await expect(chips.nth(next).locator('button')).toHaveAttribute('aria-pressed', 'false');
      await page.keyboard.press('Home');
      await expect(chips.nth(1).locator('button')).toBeFocused();
      await expect(chips.first().locator('button')).toHaveCount(0); // [CLS] is shown, never masked

      // Unmask everything: the model runs with no position to predict shown, and says so.
      for (const pos of [...first, other]) await afterRun(page, () => chips.nth(pos).locator('button').click());
      await expect(widget(page)).toHaveAttribute('data-masked', '[]');
      await expect(masks).toHaveCount(0);
      await expect(part(page, 'predictions')).toHaveText(t(VIEW_LANG, 'bert.noMask'));
      await expect(part(page, 'error')).toBeHidden();
    });

    for (const lang of LANGS) {
      test(`${lang}: over-long text and a huge paste say what was left out; an empty box says what to do`, async ({ page }) => {
        await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
        const notice = part(page, 'cut');
        await expect(notice).toBeHidden();
        // Segment A is long, segment B short: A loses tokens from its end until the pair fits.
        const sentence = samples.examples.find((e) => e.lang === 'zh')!.text;
        const a = sentence.repeat(8);
        const b = samples.examples.find((e) => e.lang === 'en')!.text;
        const pair = encodePair(vocab, a, b);
        const dropped = tokenize(vocab, a).length + tokenize(vocab, b).length - (pair.ids.length - 3);
        expect(pair.truncated && dropped > 0).toBe(true);
        await afterRun(page, () => part(page, 'text').fill(`${a}\n${b}`));
        await expect(notice).toHaveText(t(lang, 'bert.truncated', { dropped, max: vocab.max_len }));
        await expect(part(page, 'tokens').locator('li')).toHaveCount(vocab.max_len);
        const groups = await part(page, 'tokens').locator('li').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.group ?? '-'));
        expect(groups.join(''), 'segment A, then all of segment B').toBe(`-${'a'.repeat(pair.segments.lastIndexOf(0) - 1)}-${'b'.repeat(vocab.max_len - pair.segments.lastIndexOf(0) - 2)}-`);

        // Ten thousand characters: only the first MAX_CHARS are tokenized, and the page stays responsive.
        const huge = 'All work and no play makes Jack a dull boy. '.repeat(250).slice(0, 10_000);
        await page.evaluate(() => {
          const w = window as unknown as { longest: number };
          w.longest = 0;
          new PerformanceObserver((list) => list.getEntries().forEach((e) => (w.longest = Math.max(w.longest, e.duration)))).observe({ type: 'longtask' });
        });
        await afterRun(page, () => part(page, 'text').fill(huge));
        const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
        const read = encodePair(vocab, huge.slice(0, MAX_CHARS));
        const cutDropped = tokenize(vocab, huge.slice(0, MAX_CHARS)).length - (read.ids.length - 2);
        const chars = MAX_CHARS.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en');
        await expect(notice).toHaveText(`${t(lang, 'bert.charsCut', { chars })} ${t(lang, 'bert.truncated', { dropped: cutDropped, max: vocab.max_len })}`);
        // The main thread was never blocked for long (a WASM run itself is one task of some milliseconds).
        expect(longest, 'longest main-thread task while the paste was read and run (ms)').toBeLessThan(2000);
        console.log(`${chapter.slug}: longest main-thread task after a 10,000-character paste: ${longest.toFixed(0)} ms`);

        // An empty box: a clear error, the last result stays; an example brings the widget back.
        await part(page, 'text').fill('   ');
        await expect(part(page, 'error')).toHaveText(t(lang, 'error.bertEmpty'));
        await expect(part(page, 'text')).toHaveAttribute('aria-invalid', 'true');
        await expect(part(page, 'tokens').locator('li')).toHaveCount(vocab.max_len);
        await afterRun(page, () => part(page, 'examples').locator('button').first().click());
        await expect(part(page, 'error')).toBeHidden();
        await expect(notice).toBeHidden();
        await expect(part(page, 'text')).not.toHaveAttribute('aria-invalid', 'true');
      });

      test(`${lang}: no serious accessibility problem in either theme once the widget has run; fits a phone`, async ({ page }) => {
        await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
        await expect(part(page, 'predictions').locator('section.mask-card').first()).toBeVisible();
        for (const theme of ['light', 'dark']) {
          await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
          const results = await new AxeBuilder({ page }).include('[data-widget="bert-explorer"]').analyze();
          const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          expect(bad.map((v) => `${theme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
        }
        await page.setViewportSize({ width: 375, height: 800 });
        await widget(page).scrollIntoViewIfNeeded();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, 'sideways scrolling on a 375 px phone').toBeLessThanOrEqual(0);
      });
    }
  });
}
