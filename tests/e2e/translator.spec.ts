/**
 * The translator's own views (kind "translator"). Once per model on WebGPU and WASM: two held-out numbers,
 * one each way, come out as PyTorch translated them, every attention map agrees between the two backends,
 * and the per-token decode time is logged. On WASM: the attention maps and the last step's probabilities
 * are PyTorch's (golden case 35007), heatmaps are coloured and labelled with the tokens, beam search shows
 * four sorted beams, Step adds a token and Stop ends Play early; in both languages: digits are written
 * out in the chosen language, and text the model cannot read says why while nothing runs.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { GPU_LANG, LANGS, VIEW_LANG, chaptersOf, expect, rerunAfterGpuCrash, test } from './fixtures';
import { chooseProvider, expectBars, expectLongTextCut, goldenCases, goldenValues, openWidget, widget } from './widget-helpers';
import { t, type Lang } from '../../src/i18n';
import { softmax } from '../../src/lib/generate/seq2seq';
import { parseVocabulary } from '../../src/lib/input/tokens';
import { TOLERANCE } from '../../src/lib/verify/golden';
import { weightColour } from '../../src/lib/viz/attention-map';
import { attentionAxes, seq2seqOf } from '../../src/components/widgets/translator-card';

interface Held {
  n: number;
  zh: string;
  en: string;
  zh_en: string;
  en_zh: string;
}

interface DrawnMap {
  rows: string[];
  cols: string[];
  weights: number[];
  colours: string[];
}

const part = (page: Page, name: string) => page.locator(`[data-part="${name}"]`);
const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE.atol + TOLERANCE.rtol * Math.abs(b);

/** Types `text` and translates it; waits for the whole translation (decoding ends, the job is done). */
async function translate(page: Page, text: string) {
  await part(page, 'text').fill(text);
  await part(page, 'text').press('Enter'); // the job starts at once: the state is 'running' until it ends
  await expect(widget(page)).toHaveAttribute('data-state', 'ready');
  await expect(widget(page)).toHaveAttribute('data-done', 'true');
}

/** Every attention map the selectors offer (kind × layer × head), as drawn: labels, weights, colours. */
function readMaps(page: Page): Promise<Record<string, DrawnMap>> {
  return widget(page).evaluate((root) => {
    const select = (name: string) => root.querySelector<HTMLSelectElement>(`[data-part="${name}"]`)!;
    const choose = (s: HTMLSelectElement, value: string) => {
      s.value = value;
      s.dispatchEvent(new Event('change'));
    };
    const values = (s: HTMLSelectElement) => [...s.options].map((o) => o.value);
    const out: Record<string, DrawnMap> = {};
    for (const kind of values(select('kind'))) {
      choose(select('kind'), kind);
      for (const layer of values(select('layer'))) {
        choose(select('layer'), layer);
        for (const head of values(select('head'))) {
          choose(select('head'), head);
          const map = root.querySelector('[data-part="attention"]')!;
          const cells = [...map.querySelectorAll<HTMLElement>('.cell')];
          out[`${layer}/${head}`] = {
            rows: [...map.querySelectorAll('.row-label')].map((e) => e.textContent!),
            cols: [...map.querySelectorAll('.col-label')].map((e) => e.textContent!),
            weights: cells.map((c) => Number(c.dataset.weight)),
            colours: cells.map((c) => getComputedStyle(c).backgroundColor),
          };
        }
      }
    }
    return out;
  });
}

const tokenCount = async (page: Page) => Number(await widget(page).getAttribute('data-tokens'));

for (const chapter of chaptersOf('translator')) {
  const card = chapter.widget.cards[0]!;
  const dir = `public/models/${card.slug}`;
  const vocab = parseVocabulary(JSON.parse(readFileSync(`${dir}/vocab.json`, 'utf8')));
  const samples = JSON.parse(readFileSync(`${dir}/samples.json`, 'utf8')) as { examples: { n: number; zh: string; en: string }[]; held_out: Held[] };
  // The longest held-out numbers: the most decoder steps to time.
  const [first, second] = [...samples.held_out].sort((a, b) => b.en.split(' ').length - a.en.split(' ').length);
  const spec = seq2seqOf(card);
  const attention = card.graphs.flatMap((g) => g.outputs.filter((o) => o.role === 'attention'));
  const heads = Number(attention[0]!.shape[attentionAxes(attention[0]!).head]);
  /** The symbolic length of the source: an attention axis of that size is labelled with source tokens. */
  const srcDim = spec.source.shape.at(-1);

  test.describe(`${chapter.slug} translator`, () => {
    test(`${GPU_LANG}: WebGPU and WASM translate as PyTorch did, with the same attention; per-token time`, rerunAfterGpuCrash(async ({ page }) => {
      await openWidget(page, GPU_LANG, chapter.slug);
      await expect(widget(page)).toHaveAttribute('data-provider', 'webgpu');
      const runs: Record<string, { maps: Record<string, DrawnMap>; ms: string[] }> = {};
      for (const provider of ['webgpu', 'wasm'] as const) {
        if (provider === 'wasm') await chooseProvider(page, 'wasm');
        const ms: string[] = [];
        // The first decode on a backend also compiles its kernels for every prefix length; the second is warm.
        await translate(page, first!.zh);
        await expect(part(page, 'translation')).toHaveText(first!.zh_en);
        ms.push((await widget(page).getAttribute('data-ms-per-token'))!);
        const maps = await readMaps(page);
        await translate(page, second!.en);
        await expect(part(page, 'translation')).toHaveText(second!.en_zh);
        ms.push((await widget(page).getAttribute('data-ms-per-token'))!);
        runs[provider] = { maps, ms };
        console.log(`${chapter.slug}: ${provider} greedy decode, ms per token (one decoder run each): first ${ms[0]}, warm ${ms[1]}`);
      }
      const gpu = runs.webgpu!.maps;
      const cpu = runs.wasm!.maps;
      expect(Object.keys(cpu)).toEqual(Object.keys(gpu));
      expect(Object.keys(gpu).length).toBe(attention.length * heads);
      let worst = 0;
      for (const [name, map] of Object.entries(gpu)) {
        const other = cpu[name]!;
        expect(other.rows, name).toEqual(map.rows);
        expect(other.cols, name).toEqual(map.cols);
        expect(other.weights.length, name).toBe(map.weights.length);
        map.weights.forEach((w, i) => {
          worst = Math.max(worst, Math.abs(w - other.weights[i]!));
          if (!close(w, other.weights[i]!)) expect(w, `${name} cell ${i}: WebGPU vs WASM`).toBe(other.weights[i]);
        });
      }
      console.log(`${chapter.slug}: attention maps, max |WebGPU − WASM| ${worst.toExponential(1)}`);
    }));

    test(`${VIEW_LANG}: attention maps and the last step's probabilities are PyTorch's; heatmaps coloured and labelled`, async ({ page }) => {
      const cases = goldenCases(card.slug);
      const enc = cases.find((c) => c.graph === spec.encoder.name && c.sample.startsWith('35007'))!;
      const dec = cases.find((c) => c.graph === spec.decoder.name && c.sample.startsWith('35007') && c.inputs[spec.prefix.name]!.shape[0] === 1)!;
      const ids = (c: typeof enc, name: string) => {
        const bytes = Buffer.from(c.inputs[name]!.data, 'base64');
        return Array.from(new BigInt64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8), Number);
      };
      const src = ids(enc, spec.source.name).map((id) => vocab.tokens[id]!);
      const fed = ids(dec, spec.prefix.name).map((id) => vocab.tokens[id]!);

      await openWidget(page, VIEW_LANG, chapter.slug, { provider: 'wasm' });
      const example = samples.examples.find((e) => e.n === 35007)!;
      await page.locator('[data-part="from"] input[value="zh"]').check();
      await page.locator('[data-part="examples"] button[data-n="35007"]').click();
      await expect(part(page, 'text')).toHaveValue(example.zh);
      await expect(part(page, 'translation')).toHaveText(example.en);
      await expect(widget(page)).toHaveAttribute('data-done', 'true');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await expect(part(page, 'source').locator('li')).toHaveText(src);
      await expect(part(page, 'output').locator('li')).toHaveText([...fed.slice(1), '<eos>']);

      const maps = await readMaps(page);
      for (const o of attention) {
        const golden = goldenValues(o.name.startsWith('enc') ? enc : dec, o.name);
        const axes = attentionAxes(o);
        const [h, rows, cols] = [axes.head, axes.query, axes.key].map((a) => golden.shape[a]!) as [number, number, number];
        expect(h).toBe(heads);
        for (let head = 0; head < heads; head++) {
          const map = maps[`${o.name}/${head}`]!;
          const what = `${o.name}, head ${head + 1}`;
          // Queries label the rows, keys the columns: source tokens, or the prefix the decoder was fed.
          expect(map.rows, what).toEqual(o.shape[axes.query] === srcDim ? src : fed);
          expect(map.cols, what).toEqual(o.shape[axes.key] === srcDim ? src : fed);
          expect(map.weights.length, what).toBe(rows * cols);
          map.weights.forEach((w, i) => {
            const want = golden.val[head * rows * cols + i]!;
            if (!close(w, want)) expect(w, `${what}, cell ${i} vs PyTorch`).toBe(want);
            expect(map.colours[i], `${what}, cell ${i} colour`).toBe(weightColour(w));
          });
        }
      }
      // The decoder's masked self-attention never looks ahead: its upper triangle is empty.
      const self = attention.find((o) => o.shape[attentionAxes(o).query] !== srcDim && o.shape[attentionAxes(o).key] !== srcDim)!;
      const masked = maps[`${self.name}/0`]!;
      masked.weights.forEach((w, i) => {
        if (i % fed.length > Math.floor(i / fed.length)) expect(w).toBe(0);
      });

      // The last step (the one that wrote <eos>) is chosen: its bars are PyTorch's distribution there.
      await expect(part(page, 'probs-title')).toHaveText(t(VIEW_LANG, 'translator.probs', { step: fed.length }));
      await expectBars(part(page, 'probs'), vocab.tokens, softmax(goldenValues(dec, 'logits').val));

      // Hovering a row highlights it.
      const map = part(page, 'attention');
      await map.locator('.attention-row:not(.head)').nth(2).hover();
      await expect(map).toHaveAttribute('data-active-row', '2');
      await expect(map.locator('.attention-row.active .row-label')).toHaveText(fed[2]!);
    });

    test(`${VIEW_LANG}: beam search shows four beams with sorted scores at every step, and finds the greedy translation`, async ({ page }) => {
      await openWidget(page, VIEW_LANG, chapter.slug, { provider: 'wasm' });
      await translate(page, first!.zh);
      await part(page, 'mode').selectOption('beam');
      await expect(part(page, 'beam-box')).toBeVisible();
      await expect(widget(page)).toHaveAttribute('data-done', 'true');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await expect(part(page, 'translation')).toHaveText(first!.zh_en);
      const steps = await tokenCount(page);
      for (const step of [0, 1, steps - 1]) {
        await part(page, 'output').locator('button').nth(step).click();
        await expect(part(page, 'beams-title')).toHaveText(t(VIEW_LANG, 'translator.beams', { step: step + 1 }));
        const rows = part(page, 'beams').locator('tbody tr');
        await expect(rows).toHaveCount(4);
        const scores = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.score)));
        for (const s of scores) expect(s).toBeLessThanOrEqual(0);
        expect(scores, `step ${step + 1}: best first`).toEqual([...scores].sort((a, b) => b - a));
        const shown = await rows.locator('td:nth-child(3)').allTextContents();
        expect(shown).toEqual(scores.map((s) => s.toFixed(3)));
        if (step === 0) {
          const texts = await rows.locator('td:nth-child(2)').allTextContents();
          expect(new Set(texts).size, 'four different first tokens').toBe(4);
        }
      }
    });

    test(`${VIEW_LANG}: Step adds one token at a time; Stop ends Play before the end and says so`, async ({ page }) => {
      await openWidget(page, VIEW_LANG, chapter.slug, { provider: 'wasm' });
      const longest = samples.examples.at(-1)!;
      await translate(page, longest.zh);
      const full = await tokenCount(page);
      await part(page, 'text').fill(first!.zh);
      await part(page, 'step').click();
      // A new text and Step: the encoder runs and the decoder takes one step.
      await expect(part(page, 'translation')).toHaveText(first!.zh_en.split(' ')[0]!);
      await expect(widget(page)).toHaveAttribute('data-tokens', '1');
      await expect(widget(page)).toHaveAttribute('data-state', 'ready');
      await part(page, 'step').click();
      await expect(widget(page)).toHaveAttribute('data-tokens', '2');
      await expect(part(page, 'probs-title')).toHaveText(t(VIEW_LANG, 'translator.probs', { step: 2 }));
      await expect(part(page, 'output').locator('li').nth(1)).toHaveAttribute('aria-current', 'true');

      await part(page, 'text').fill(longest.zh);
      await part(page, 'play').click();
      await expect.poll(() => tokenCount(page), { intervals: [50] }).toBeGreaterThanOrEqual(3);
      await part(page, 'stop').click();
      await expect(part(page, 'status')).toHaveText(t(VIEW_LANG, 'widget.stopped'));
      await expect(widget(page)).toHaveAttribute('data-done', 'false');
      const stopped = await tokenCount(page);
      expect(stopped).toBeLessThan(full);
      await expect(part(page, 'stop')).toBeHidden();
      // Step carries on from where Play stopped.
      await part(page, 'step').click();
      await expect(widget(page)).toHaveAttribute('data-tokens', String(stopped + 1));
    });

    for (const lang of LANGS) {
      test(`${lang}: digits are written out in the chosen language and translated`, async ({ page }) => {
        await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
        const example = samples.examples.find((e) => e.n === 35007)!;
        await page.locator('[data-part="from"] input[value="zh"]').check();
        await translate(page, '35007');
        await expect(part(page, 'spelled-words')).toHaveText(example.zh);
        await expect(part(page, 'translation')).toHaveText(example.en);
        // Switching the language rewrites the digits and translates the other way.
        await page.locator('[data-part="from"] input[value="en"]').check();
        await expect(part(page, 'spelled-words')).toHaveText(example.en);
        await expect(part(page, 'translation')).toHaveText(example.zh);
        // Words in the box set the language by their script, and hide the digits line.
        await translate(page, example.zh);
        await expect(part(page, 'spelled')).toBeHidden();
        await expect(page.locator('[data-part="from"] input[value="zh"]')).toBeChecked();
      });

      test(`${lang}: text the model cannot read says what is wrong, and nothing runs; ten thousand pasted characters are cut with a notice`, async ({ page }) => {
        await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
        const before = await part(page, 'translation').textContent();
        const error = part(page, 'error');
        const cases: [string, Parameters<typeof t>[1], Record<string, string | number>][] = [
          ['one hundred and five', 'error.textUnknown', { token: 'and', position: 3 }],
          ['一百五十块', 'error.textUnknown', { token: '块', position: 5 }],
          ['   ', 'error.textEmpty', {}],
          ['1000000000', 'error.numberTooBig', { digits: (1e9).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en') }],
          [Array(vocab.max_len - 1).fill('one').join(' '), 'error.textTooLong', { count: vocab.max_len - 1, max: vocab.max_len - 2 }],
        ];
        for (const [text, key, vars] of cases) {
          await part(page, 'text').fill(text);
          await part(page, 'text').press('Enter');
          await expect(error).toHaveText(t(lang as Lang, key, vars));
          await expect(widget(page)).toHaveAttribute('data-state', 'error');
          await expect(part(page, 'text')).toHaveAttribute('aria-invalid', 'true');
          // The last good translation stays; the panel is never blank.
          await expect(part(page, 'translation')).toHaveText(before!);
        }
        await translate(page, samples.examples[1]!.en);
        await expect(error).toBeHidden();
        await expect(part(page, 'translation')).toHaveText(samples.examples[1]!.zh);
        await expect(part(page, 'text')).not.toHaveAttribute('aria-invalid', 'true');
        await expectLongTextCut(page, lang, 'translator');
      });
    }
  });
}
