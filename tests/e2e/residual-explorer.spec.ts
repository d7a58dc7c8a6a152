/** The residual explorer's own views (kind "residual-explorer"), on WASM: for the first shipped test image,
 * both networks' top-5 bars, the ratio bars of every block and the chosen blocks' x, F(x) and output maps
 * show what PyTorch computed; a drawing becomes a new input for both networks. */
import { VIEW_LANG as lang, chaptersOf, expect, test } from './fixtures';
import {
  changedShare, drawOnPad, expectBars, expectMapsShow, goldenCases, goldenValues, openWidget, readCanvases, widget,
} from './widget-helpers';
import { blockCount } from '../../src/lib/card';

for (const chapter of chaptersOf('residual-explorer')) {
  const cards = chapter.widget.cards;
  const goldens = cards.map((c) => goldenCases(c.slug)[0]!);
  const role = (i: number, r: string) => cards[i]!.graphs[0]!.outputs.find((o) => o.role === r)!.name;

  test.describe(`${lang}: ${chapter.slug} residual explorer`, () => {
    test('both networks: bars, block ratios and the blocks’ maps show what PyTorch computed', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      expect(goldens[1]!.sample).toBe(goldens[0]!.sample);
      await expect(page.locator('[data-part="samples"] button[aria-pressed="true"]')).toHaveAttribute('data-sample', goldens[0]!.sample);
      for (const net of [0, 1]) {
        await expectBars(page.locator(`[data-part="top5-${net}"]`), cards[net]!.labels![lang], goldenValues(goldens[net]!, role(net, 'probabilities')).val);
      }

      // One bar per block and network, each as tall as PyTorch's ratio for it (on a shared axis).
      const blocks = blockCount(cards[0]!);
      const bars = page.locator('[data-part="ratios"] rect');
      await expect(bars).toHaveCount(2 * blocks);
      const heights = await bars.evaluateAll((r) => r.map((x) => Number(x.getAttribute('height'))));
      const ratios = [0, 1].map((net) => goldenValues(goldens[net]!, role(net, 'block_ratios')).val);
      const top = Math.max(...ratios.flatMap((r) => Array.from(r)));
      const tallest = Math.max(...heights);
      for (let b = 0; b < blocks; b++) {
        for (const net of [0, 1]) {
          const shown = heights[2 * b + net]! / tallest;
          expect(Math.abs(shown - ratios[net]![b]! / top), `block ${b + 1}, net ${net}`).toBeLessThanOrEqual(0.01);
        }
      }

      for (const block of [0, Math.floor(blocks / 2), blocks - 1]) {
        await page.locator('[data-part="block"]').selectOption(String(block));
        await expect(widget(page)).toHaveAttribute('data-state', 'ready');
        for (const net of [0, 1]) {
          for (const part of ['x', 'fx', 'out']) {
            const name = `block${block}_${part}`;
            await expectMapsShow(page, `[data-part="grid-${net}-${part}"] canvas`, goldenValues(goldens[net]!, name), 'viridis', `${cards[net]!.slug} ${name}`);
          }
        }
      }
    });

    test('a drawing on the pad is a new input for both networks', async ({ page }) => {
      await openWidget(page, lang, chapter.slug, { provider: 'wasm' });
      const grids = '[data-part^="grid-"] canvas';
      const before = await readCanvases(page, grids);
      await drawOnPad(page, [[0.5, 0.15], [0.5, 0.85]]);
      const changed = changedShare(before, await readCanvases(page, grids));
      expect(changed.filter((share) => share > 0.2).length, JSON.stringify(changed)).toBeGreaterThan(changed.length / 2);
      for (const net of [0, 1]) await expectBars(page.locator(`[data-part="top5-${net}"]`), cards[net]!.labels![lang]);
    });
  });
}
