/** The scene composer the segmentation widget uses (src/lib/input/scene.ts): from the same draws it composes
 * what training/common/scenes.py composes (tests/fixtures/scenes.json, written by training/scene_fixture.py),
 * its random scenes keep to the recipe, and a seed always gives the same scene. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  addGarment, composeScene, garmentAt, garmentPatch, moveTo, overlap, placeGarments, randomScene, renderScene,
  resizeBilinear, rng, type BackgroundDraw, type Garment, type Scene, type SceneRecipe,
} from '../../src/lib/input/scene';

const card = JSON.parse(readFileSync('public/models/unet/card.json', 'utf8'));
const recipe: SceneRecipe = card.scene;
const samples = JSON.parse(readFileSync('public/models/unet/samples.json', 'utf8'));
const garments: Garment[] = samples.samples.map((s: { pixels: string; label: number }) => ({
  pixels: new Uint8Array(Buffer.from(s.pixels, 'base64')), side: samples.width, label: s.label,
}));
const N = recipe.size;

describe('building blocks', () => {
  it('rng: a seed gives the same stream, values in [0, 1)', () => {
    const a = rng(42), b = rng(42), c = rng(43);
    const xs = Array.from({ length: 1000 }, a);
    expect(Array.from({ length: 1000 }, b)).toEqual(xs);
    expect(Array.from({ length: 5 }, c)).not.toEqual(xs.slice(0, 5));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('resizeBilinear uses half-pixel centres like torch (align_corners=False)', () => {
    // torch.nn.functional.interpolate([[0, 1], [2, 3]], size=4, mode="bilinear") gives these rows.
    const out = Array.from(resizeBilinear([0, 1, 2, 3], 2, 4));
    expect(out.slice(0, 4)).toEqual([0, 0.25, 0.75, 1]);
    expect(out.slice(4, 8)).toEqual([0.5, 0.75, 1.25, 1.5]);
    expect(out.slice(12, 16)).toEqual([2, 2.25, 2.75, 3]);
    expect(Array.from(resizeBilinear([1, 2, 3, 4], 2, 2))).toEqual([1, 2, 3, 4]);
  });

  it('a garment patch is flipped as asked and its mask is its pixels above the threshold', () => {
    const g = garments[0]!;
    const p = { garment: g, side: 40, top: 0, left: 0, flip: false, gain: 1 };
    const plain = garmentPatch(p, recipe.mask_threshold);
    const flipped = garmentPatch({ ...p, flip: true }, recipe.mask_threshold);
    expect(flipped.values[5 * 40 + 3]).toBe(plain.values[5 * 40 + 36]);
    plain.values.forEach((v, i) => expect(plain.mask[i]).toBe(v > recipe.mask_threshold ? 1 : 0));
    expect(plain.mask.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
  });
});

interface FixtureScene {
  drawn: string;
  background: BackgroundDraw;
  garments: { index: number; side: number; flip: boolean; gain: number; positions: [number, number][] }[];
  noise: string;
  placed: { index: number; top: number; left: number }[];
  image: string;
  labels: string;
}

describe('the same draws give what scenes.py composes (tests/fixtures/scenes.json)', () => {
  const fixture = JSON.parse(readFileSync('tests/fixtures/scenes.json', 'utf8'));
  // A fresh copy, so typed arrays over it are aligned.
  const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
  const items: Garment[] = fixture.garments.map((g: { pixels: string; label: number }) => ({ pixels: bytes(g.pixels), side: 28, label: g.label }));

  it('is made with the recipe the UNet card ships', () => {
    expect(fixture.recipe).toEqual(recipe);
  });

  const scenes: FixtureScene[] = fixture.scenes;
  it.each(scenes.map((scene, i) => ({ i, drawn: scene.drawn, scene })))('scene $i ($drawn): same placements, label map and image', ({ scene }) => {
    const placed = placeGarments(scene.garments.map((g) => ({ ...g, garment: items[g.index]! })), fixture.recipe);
    expect(placed.map((p) => ({ index: items.indexOf(p.garment), top: p.top, left: p.left }))).toEqual(scene.placed);
    const noise = Float64Array.from(new Int8Array(bytes(scene.noise).buffer), (k) => k / fixture.noise_scale);
    const { image, labels } = composeScene(scene.background, placed, noise, fixture.recipe);
    expect(labels).toEqual(bytes(scene.labels));
    const expected = new Float32Array(bytes(scene.image).buffer);
    expect(image.data).toHaveLength(expected.length);
    const worst = expected.reduce((m, v, i) => Math.max(m, Math.abs(v - image.data[i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

describe('randomScene and renderScene', () => {
  const scenes = Array.from({ length: 40 }, (_, i) => randomScene(1000 + i, garments, recipe));

  it('the same seed gives the same scene, pixel for pixel', () => {
    const a = renderScene(randomScene(7, garments, recipe), recipe);
    const b = renderScene(randomScene(7, garments, recipe), recipe);
    expect(a.image.data).toEqual(b.image.data);
    expect(a.labels).toEqual(b.labels);
    expect(renderScene(randomScene(8, garments, recipe), recipe).labels).not.toEqual(a.labels);
  });

  it('keeps to the recipe: count, sizes, gains, positions inside the scene', () => {
    for (const s of scenes) {
      expect(s.placed.length).toBeLessThanOrEqual(recipe.count[1]);
      expect(s.placed.length).toBeGreaterThanOrEqual(1);
      for (const p of s.placed) {
        expect(p.side).toBeGreaterThanOrEqual(recipe.scale[0]);
        expect(p.side).toBeLessThanOrEqual(recipe.scale[1]);
        expect(p.gain).toBeGreaterThanOrEqual(recipe.gain[0]);
        expect(p.gain).toBeLessThanOrEqual(recipe.gain[1]);
        expect(p.top).toBeGreaterThanOrEqual(0);
        expect(p.left + p.side).toBeLessThanOrEqual(N);
      }
    }
    const counts = new Set(scenes.map((s) => s.placed.length));
    expect(counts.size).toBeGreaterThan(2); // several counts occur, not always the same
  });

  it('no garment covers more than max_overlap of the garments placed before it', () => {
    for (const s of scenes) {
      const labels = new Uint8Array(N * N);
      for (const p of s.placed) {
        const { mask } = garmentPatch(p, recipe.mask_threshold);
        expect(overlap(mask, p.side, p.top, p.left, labels, N)).toBeLessThanOrEqual(recipe.max_overlap);
        mask.forEach((m, i) => {
          if (m) labels[(p.top + Math.floor(i / p.side)) * N + p.left + (i % p.side)] = p.garment.label + 1;
        });
      }
    }
  });

  it('the background is dark and textured, the garments brighter', () => {
    const { image, labels } = renderScene(scenes[0]!, recipe);
    let bg = 0, nBg = 0, fg = 0, nFg = 0;
    labels.forEach((l, i) => (l ? ((fg += image.data[i]!), nFg++) : ((bg += image.data[i]!), nBg++)));
    const bgMean = bg / nBg;
    const { base, amplitude, waves } = recipe.background;
    expect(bgMean).toBeLessThan(base[1] + waves * amplitude[1] + 0.02);
    expect(fg / nFg).toBeGreaterThan(bgMean + 0.1);
    // Noise: neighbouring background pixels differ.
    const row = Array.from(image.data.slice(0, N));
    expect(new Set(row.map((v) => v.toFixed(3))).size).toBeGreaterThan(N / 2);
  });
});

describe('editing a scene', () => {
  const empty: Scene = { size: N, seed: 3, placed: [] };

  it('addGarment centres a garment of the middle size at the point, inside the scene', () => {
    const s = addGarment(empty, garments[3]!, 48, 48, recipe);
    const p = s.placed[0]!;
    expect(p.side).toBe(Math.round((recipe.scale[0] + recipe.scale[1]) / 2));
    expect(p.left + p.side / 2).toBeCloseTo(48, 0);
    const corner = addGarment(empty, garments[3]!, 0, N, recipe).placed[0]!;
    expect(corner.left).toBe(0);
    expect(corner.top).toBe(N - corner.side);
    expect(empty.placed).toHaveLength(0); // the original is not changed
  });

  it('moveTo keeps a garment inside; garmentAt finds the topmost garment under a pixel', () => {
    const p = addGarment(empty, garments[0]!, 48, 48, recipe).placed[0]!;
    expect(moveTo(p, -50, 500, N)).toMatchObject({ left: 0, top: N - p.side });
    const two = addGarment(addGarment(empty, garments[0]!, 48, 48, recipe), garments[1]!, 48, 48, recipe);
    const { labels } = renderScene(two, recipe);
    const centre = 48 * N + 48;
    expect(labels[centre]).toBeGreaterThan(0);
    expect(garmentAt(two, 48, 48, recipe)).toBe(labels[centre] === garments[1]!.label + 1 ? 1 : 0);
    expect(garmentAt(two, 1, 1, recipe)).toBe(-1);
  });

  it('moving a garment keeps the background and noise (the scene seed) unchanged', () => {
    const one = addGarment(empty, garments[2]!, 30, 30, recipe);
    const moved = { ...one, placed: [moveTo(one.placed[0]!, 70, 70, N)] };
    const a = renderScene(one, recipe), b = renderScene(moved, recipe);
    // A corner far from both positions is identical.
    expect(a.image.data[2 * N + (N - 3)]).toBe(b.image.data[2 * N + (N - 3)]);
    expect(a.labels).not.toEqual(b.labels);
  });
});
