/** The ViT explorer's own views (kind "vit-explorer"), on WASM. For the first shipped test image, what the
 * widget drew is compared with PyTorch's golden tensors and with tests/fixtures/vit.json (torch's patches,
 * rollout and position-embedding similarity): the top-5 of both models, the patch sequence, the embedding
 * and class-token heatmaps, every head's map from the class token and from a patch picked by mouse and
 * by keyboard, the rollout through every layer and the similarity grid. A drawing changes what depends on
 * the input and leaves the position embeddings' grid as it was. */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { VIEW_LANG as lang, chaptersOf, expect, test } from './fixtures';
import {
  changedShare, drawOnPad, expectBars, expectMapsShow, goldenCases, goldenValues, openWidget, readCanvases,
} from './widget-helpers';
import { vitLayout } from '../../src/components/widgets/vit-card';
import { t } from '../../src/i18n';

interface Fixture {
  golden_sha256: string;
  sample: string;
  patches: number[];
  head_mean_class_rows: number[][];
  rollout: number[];
  rollout_class_rows_through: number[];
  position_similarity: number[];
}
const fixture: Fixture = JSON.parse(readFileSync('tests/fixtures/vit.json', 'utf8'));

/** The values a canvas says it drew (data-values). */
const drawn = async (page: Page, selector: string): Promise<number[]> =>
  JSON.parse((await page.locator(selector).getAttribute('data-values'))!) as number[];

/** Each drawn value within atol + rtol·|expected| of the reference (float16 golden values are rounded). */
function expectClose(actual: number[], expected: ArrayLike<number>, what: string, atol = 1e-4, rtol = 4e-3) {
  expect(actual.length, what).toBe(expected.length);
  const off = actual.findIndex((v, i) => !(Math.abs(v - expected[i]!) <= atol + rtol * Math.abs(expected[i]!)));
  expect(off, `${what}: value ${off} is ${actual[off]}, reference ${expected[off]}`).toBe(-1);
}

for (const chapter of chaptersOf('vit-explorer')) {
  const [card, twin] = chapter.widget.cards;
  const vit = vitLayout(card!);
  const golden = goldenCases(card!.slug)[0]!;
  const { tokens, side } = vit;
  /** PyTorch's weights of `query` over the patches in `layer` (0-based), head `head`. */
  const torchRow = (layer: number, head: number, query: number) => {
    const values = goldenValues(golden, vit.attention[layer]!.name).val;
    const start = (head * tokens + query) * tokens;
    return values.subarray(start + 1, start + tokens);
  };
  const tile = (layer: number, head: number | 'mean') =>
    `[data-part="heads"] button[data-layer="${vit.attention[layer]!.attention!.layer}"][data-head="${head}"]`;
  const last = vit.attention.length - 1;

  test.describe(`${lang}: ${chapter.slug} ViT explorer`, () => {
    test('patches, every head, a chosen query, the rollout and the position embeddings show what PyTorch computed', async ({ page }) => {
      expect(fixture.golden_sha256, 'tests/fixtures/vit.json was written from the shipped golden.json').toBe(card!.files['golden.json']!.sha256);
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveAttribute('data-sample', golden.sample);
      expect(fixture.sample).toBe(golden.sample);

      await expectBars(page.locator('[data-part="top5-0"]'), card!.labels![lang], goldenValues(golden, vit.probs).val);
      if (twin) {
        const theirs = goldenCases(twin.slug)[0]!;
        expect(theirs.sample, 'the compared model\'s first golden case is the same image').toBe(golden.sample);
        const probs = twin.graphs[0]!.outputs.find((o) => o.role === 'probabilities')!.name;
        await expectBars(page.locator('[data-part="top5-1"]'), twin.labels![lang], goldenValues(theirs, probs).val);
      }

      // The image as torch's unfold cuts it, and the embeddings PyTorch computed.
      expectClose(await drawn(page, '[data-part="sequence"]'), fixture.patches, 'patch sequence', 1e-6, 0);
      await expectMapsShow(page, '[data-part="embeddings"]', goldenValues(golden, vit.patches.name), 'diverging', 'patch embeddings');
      await expectMapsShow(page, '[data-part="cls"]', goldenValues(golden, vit.cls.name), 'diverging', 'class token');

      // The class token's attention in every tile; the last layer's mean is chosen and enlarged.
      await expect(page.locator(tile(last, 'mean'))).toHaveAttribute('aria-pressed', 'true');
      for (const [layer] of vit.attention.entries()) {
        for (let head = 0; head < vit.heads; head++) {
          expectClose(await drawn(page, `${tile(layer, head)} canvas`), torchRow(layer, head, 0), `layer ${layer + 1} head ${head + 1}`);
        }
        expectClose(await drawn(page, `${tile(layer, 'mean')} canvas`), fixture.head_mean_class_rows[layer]!, `layer ${layer + 1} mean`);
      }
      expectClose(await drawn(page, '[data-part="large"]'), fixture.head_mean_class_rows[last]!, 'enlarged');

      // Another tile, then a patch clicked on the large view as the query: every tile follows it.
      await page.locator(tile(2, 1)).click();
      await expect(page.locator(tile(2, 1))).toHaveAttribute('aria-pressed', 'true');
      expectClose(await drawn(page, '[data-part="large"]'), torchRow(2, 1, 0), 'layer 3 head 2 enlarged');
      const large = page.locator('[data-part="large"]');
      const box = (await large.boundingBox())!;
      const [row, col] = [2, 5];
      await large.click({ position: { x: ((col + 0.5) / side) * box.width, y: ((row + 0.5) / side) * box.height } });
      const query = row * side + col + 1;
      await expect(page.locator('[data-part="large-caption"]')).toContainText(t(lang, 'vit.patchN', { n: query }));
      expectClose(await drawn(page, '[data-part="large"]'), torchRow(2, 1, query), `patch ${query} enlarged`);
      expectClose(await drawn(page, `${tile(0, 3)} canvas`), torchRow(0, 3, query), `patch ${query}, layer 1 head 4`);
      // Rollout follows the query: row `query` of torch's rollout through every layer.
      expectClose(await drawn(page, '[data-part="rollout"]'), fixture.rollout.slice(query * tokens + 1, (query + 1) * tokens), 'rollout of the patch', 2e-4);

      // The keyboard: one patch to the right, Enter; Escape returns to the class token.
      await large.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('Enter');
      await expect(page.locator('[data-part="large-caption"]')).toContainText(t(lang, 'vit.patchN', { n: query + 1 }));
      expectClose(await drawn(page, '[data-part="large"]'), torchRow(2, 1, query + 1), `patch ${query + 1} enlarged`);
      await page.keyboard.press('Escape');
      await expect(page.locator('[data-part="to-cls"]')).toBeDisabled();
      expectClose(await drawn(page, '[data-part="large"]'), torchRow(2, 1, 0), 'back to the class token');

      // Rollout of the class token through layers 1…k, each as torch computed it.
      for (const [k, o] of vit.attention.entries()) {
        await page.locator('[data-part="through"]').selectOption(String(o.attention!.layer));
        expectClose(await drawn(page, '[data-part="rollout"]'), fixture.rollout_class_rows_through.slice(k * (tokens - 1), (k + 1) * (tokens - 1)), `rollout through layer ${k + 1}`, 2e-4);
      }
      // The paper's grid of grids: similarity of the learned position embeddings (float16 golden: 2e-3).
      expectClose(await drawn(page, '[data-part="positions"]'), fixture.position_similarity, 'position similarity', 2e-3, 0);
    });

    test('a drawing is a new input: new attention and top-5; the position embeddings do not depend on it', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      const selectors = ['[data-part="large"]', '[data-part="rollout"]', '[data-part="embeddings"]'];
      const before = await Promise.all(selectors.map((s) => readCanvases(page, s)));
      const positions = await readCanvases(page, '[data-part="positions"]');
      await drawOnPad(page, [[0.3, 0.2], [0.3, 0.8], [0.7, 0.8]]);
      for (const [i, s] of selectors.entries()) {
        expect(changedShare(before[i]!, await readCanvases(page, s))[0], `${s} changed with the input`).toBeGreaterThan(0.2);
      }
      expect(changedShare(positions, await readCanvases(page, '[data-part="positions"]'))[0]).toBe(0);
      for (const i of chapter.widget.cards.keys()) await expectBars(page.locator(`[data-part="top5-${i}"]`), chapter.widget.cards[i]!.labels![lang]);
    });
  });
}
