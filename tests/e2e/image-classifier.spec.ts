/** The image classifier's own views (kind "image-classifier"), on WASM: the top-5 bars, the first layer's
 * filters, every layer's feature maps and the enlarged channel show what PyTorch computed for the first
 * shipped test image; a drawing on the pad becomes a new input with its own maps and prediction; a unit
 * picked on the enlarged channel, by pointer or keyboard, gets the receptive field autograd finds for it. */
import { VIEW_LANG as lang, chaptersOf, expect, test } from './fixtures';
import {
  changedShare, drawOnPad, expectBars, expectFieldsOutlined, expectMapsShow, goldenCases, goldenValues, measuredFields,
  openWidget, readCanvases, widget,
} from './widget-helpers';
import { t } from '../../src/i18n';
import { formatValue } from '../../src/lib/viz/heatmap';

for (const chapter of chaptersOf('image-classifier')) {
  const card = chapter.widget.cards[0]!;
  const labels = card.labels![lang];
  const graph = card.graphs[0]!;
  const golden = goldenCases(card.slug)[0]!;

  test.describe(`${lang}: ${chapter.slug} image classifier`, () => {
    test('bars, filters, every layer and the enlarged channel show what PyTorch computed', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      // The first shipped sample is selected, and it is the first golden case's.
      await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveAttribute('data-sample', golden.sample);
      const probs = graph.outputs.find((o) => o.role === 'probabilities')!.name;
      await expectBars(page.locator('[data-part="top5"]'), labels, goldenValues(golden, probs).val);

      for (const o of graph.outputs.filter((x) => x.role === 'weights')) {
        await expectMapsShow(page, '[data-part="filters"] canvas', goldenValues(golden, o.name), 'diverging', o.name);
      }
      const layers = await page.locator('[data-part="layer"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
      expect(layers).toEqual(graph.outputs.filter((o) => o.role === 'feature_map').map((o) => o.name));
      for (const layer of layers) {
        await page.locator('[data-part="layer"]').selectOption(layer);
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        await expectMapsShow(page, '[data-part="maps"] canvas', goldenValues(golden, layer), 'viridis', layer);
      }

      // Channel 2 of the last layer, enlarged: its caption names the channel and the layer, with the range
      // of PyTorch's values (the last layer is small enough to be stored whole).
      const last = graph.outputs.find((o) => o.name === layers.at(-1))!;
      const values = goldenValues(golden, last.name);
      expect(values.idx, 'stored whole').toBeNull();
      const size = (last.shape[2] as number) * (last.shape[3] as number);
      const channel = values.val.subarray(2 * size, 3 * size);
      await page.locator('[data-part="maps"] button').nth(2).click();
      await expect(page.locator('[data-part="maps"] button').nth(2)).toHaveAttribute('aria-pressed', 'true');
      const caption = (await page.locator('[data-part="big-caption"]').textContent())!;
      const number = '(-?[\\d.]+(?:e[-+]\\d+)?)';
      const pattern = t(lang, 'widget.channelRange', { n: 2, layer: last.label[lang], min: '\u0000', max: '\u0001' })
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\u0000', number).replace('\u0001', number);
      const match = caption.match(new RegExp(`^${pattern}$`));
      expect(match, caption).not.toBeNull();
      // The caption rounds (formatValue); PyTorch's value, rounded alike, may differ in the last digit.
      const near = (shown: string, value: number) => Math.abs(Number(shown) - value) <= 0.006 + 0.002 * Math.abs(value);
      const [min, max] = [Math.min(...channel), Math.max(...channel)];
      expect(near(match![1]!, min), `min ${match![1]} vs PyTorch ${formatValue(min)}`).toBe(true);
      expect(near(match![2]!, max), `max ${match![2]} vs PyTorch ${formatValue(max)}`).toBe(true);
      expect(max - min, 'a channel with something in it').toBeGreaterThan(0.05);
    });

    test('a unit picked on the enlarged channel outlines the input window autograd finds for it', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      const root = widget(page);
      const fields = measuredFields(card.slug);
      for (const [layer, units] of Object.entries(fields)) {
        await root.locator('[data-part="layer"]').selectOption(layer);
        await expect(root).toHaveAttribute('data-state', 'ready');
        await expect(root.locator('[data-part="rf-box"]'), 'a new layer forgets the unit').toBeHidden();
        await expectFieldsOutlined(root, units);
      }
      // By keyboard: the first arrow picks the middle unit, the next moves from it.
      const [layer, units] = Object.entries(fields)[0]!;
      await root.locator('[data-part="layer"]').selectOption(layer);
      await expect(root).toHaveAttribute('data-state', 'ready');
      const spec = graph.outputs.find((o) => o.name === layer)!;
      const centre = Math.floor((spec.shape[3] as number) / 2);
      const middle = units.find((u) => u.unit[0] === centre && u.unit[1] === centre)!;
      await root.locator('[data-part="big"]').focus();
      await page.keyboard.press('ArrowDown');
      await expect(root.locator('[data-part="rf-box"]')).toHaveAttribute('data-rows', middle.rows.join(','));
      await expect(root.locator('[data-part="rf-box"]')).toHaveAttribute('data-cols', middle.cols.join(','));
      const caption = t(lang, 'widget.rfUnit', {
        layer: spec.label[lang], row: middle.unit[0], col: middle.unit[1],
        top: middle.rows[0], bottom: middle.rows[1] - 1, left: middle.cols[0], right: middle.cols[1] - 1,
        height: middle.rows[1] - middle.rows[0], width: middle.cols[1] - middle.cols[0],
      });
      await expect(root.locator('[data-part="rf-caption"]')).toHaveText(caption);
      await page.keyboard.press('ArrowRight');
      await expect(root.locator('[data-part="rf-box"]')).toHaveAttribute('data-rows', middle.rows.join(','));
      await expect(root.locator('[data-part="rf-box"]')).not.toHaveAttribute('data-cols', middle.cols.join(','));
    });

    test('a drawing on the pad is a new input: new maps and a prediction', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      const seen = await readCanvases(page, '[data-part="seen"]');
      const maps = await readCanvases(page, '[data-part="maps"] canvas');
      await drawOnPad(page, [[0.3, 0.2], [0.3, 0.8], [0.7, 0.8]]);
      // The model's input is the drawing, and most of the layer's maps changed with it, each substantially.
      expect(changedShare(seen, await readCanvases(page, '[data-part="seen"]'))[0]).toBeGreaterThan(0.1);
      const changed = changedShare(maps, await readCanvases(page, '[data-part="maps"] canvas'));
      expect(changed.filter((share) => share > 0.2).length, JSON.stringify(changed)).toBeGreaterThan(changed.length / 2);
      await expectBars(page.locator('[data-part="top5"]'), labels);
    });
  });
}
