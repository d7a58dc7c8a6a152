/**
 * Segmentation scenes made of garments, the browser half of training/common/scenes.py: the same recipe
 * (read from the model card), the same resize, background and masks, so that a scene composed here looks
 * like the scenes the UNet was trained on. A scene is a list of placed garments over a seeded background;
 * rendering it gives the image and its label map (0 = background, class c = c + 1), so the ground truth of
 * every composed scene is known. As in scenes.py, the random draws (drawBackground, the draws randomScene
 * makes) are kept apart from the deterministic composition (placeGarments, composeScene), so that
 * tests/unit/scene.test.ts can feed both composers the same explicit draws (tests/fixtures/scenes.json).
 */
import type { Grey } from './preprocess';
import { mulberry32 } from './noise';

export interface SceneRecipe {
  size: number;
  count: [number, number];
  scale: [number, number];
  gain: [number, number];
  max_overlap: number;
  tries: number;
  mask_threshold: number;
  background: { base: [number, number]; waves: number; amplitude: [number, number]; frequency: number };
  noise_std: number;
}

/** A garment to paste: 8-bit pixels (side × side of the original, usually 28) and its class id. */
export interface Garment {
  pixels: Uint8Array;
  side: number;
  label: number;
}

export interface Placed {
  garment: Garment;
  /** Pasted size in pixels, and the top-left corner in scene pixels. */
  side: number;
  top: number;
  left: number;
  flip: boolean;
  gain: number;
}

export interface Scene {
  size: number;
  /** Seed of the background and noise, kept so that moving a garment does not change them. */
  seed: number;
  placed: Placed[];
}

export interface RenderedScene {
  image: Grey;
  labels: Uint8Array;
}

/** The scene's uniform numbers in [0, 1): mulberry32, the generator the diffusion widget's noise uses too. */
export const rng = mulberry32;

const uniform = (r: () => number, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * r();
/** An integer in [lo, hi], both included. */
const integer = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function gaussian(r: () => number): number {
  // Box–Muller; 1 - r() keeps the logarithm's argument above zero.
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Square bilinear resize with half-pixel centres, as torch (align_corners=False) and scenes.py do: in
 * float64 and in scenes.py's order (along y, then along x), so a mask thresholded from it is the same. */
export function resizeBilinear(src: ArrayLike<number>, n: number, out: number): Float64Array {
  const pos = new Float64Array(out);
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    pos[i] = Math.min(Math.max(((i + 0.5) * n) / out - 0.5, 0), n - 1);
    i0[i] = Math.floor(pos[i]!);
    i1[i] = Math.min(i0[i]! + 1, n - 1);
    pos[i] = pos[i]! - i0[i]!;
  }
  const dst = new Float64Array(out * out);
  for (let y = 0; y < out; y++) {
    const wy = pos[y]!;
    const row = (xx: number) => src[i0[y]! * n + xx]! * (1 - wy) + src[i1[y]! * n + xx]! * wy;
    for (let x = 0; x < out; x++) {
      const wx = pos[x]!;
      dst[y * out + x] = row(i0[x]!) * (1 - wx) + row(i1[x]!) * wx;
    }
  }
  return dst;
}

/** The garment at its pasted size (flipped if asked) in [0, 1], and its mask. */
export function garmentPatch(p: Pick<Placed, 'garment' | 'side' | 'flip'>, threshold: number): { values: Float64Array; mask: Uint8Array } {
  const scaled = resizeBilinear(Float64Array.from(p.garment.pixels, (v) => v / 255), p.garment.side, p.side);
  const values = new Float64Array(p.side * p.side);
  const mask = new Uint8Array(p.side * p.side);
  for (let y = 0; y < p.side; y++) {
    for (let x = 0; x < p.side; x++) {
      const v = scaled[y * p.side + (p.flip ? p.side - 1 - x : x)]!;
      values[y * p.side + x] = v;
      mask[y * p.side + x] = v > threshold ? 1 : 0;
    }
  }
  return { values, mask };
}

/** Share of the patch's mask pixels at (top, left) that would cover garments already in `labels`. */
export function overlap(mask: Uint8Array, side: number, top: number, left: number, labels: Uint8Array, size: number): number {
  let inside = 0;
  let covered = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (!mask[y * side + x]) continue;
      inside++;
      const yy = top + y;
      const xx = left + x;
      if (yy >= 0 && yy < size && xx >= 0 && xx < size && labels[yy * size + xx] !== 0) covered++;
    }
  }
  return inside ? covered / inside : 0;
}

/** Writes the garment's class into `labels` under its mask and, given an image, its pixels too. */
function paste(p: Placed, patch: ReturnType<typeof garmentPatch>, n: number, labels: Uint8Array, image?: Float64Array): void {
  const { values, mask } = patch;
  for (let y = 0; y < p.side; y++) {
    for (let x = 0; x < p.side; x++) {
      const yy = p.top + y;
      const xx = p.left + x;
      if (!mask[y * p.side + x] || yy < 0 || yy >= n || xx < 0 || xx >= n) continue;
      if (image) image[yy * n + xx] = p.gain * values[y * p.side + x]!;
      labels[yy * n + xx] = p.garment.label + 1;
    }
  }
}

/** The background's random numbers: a base brightness and, per sine wave, its direction, amplitude and phase. */
export interface BackgroundDraw {
  base: number;
  waves: { fx: number; fy: number; amplitude: number; phase: number }[];
}

/** One garment's random numbers: its size, mirroring and gain, and the corners [top, left] to try in turn. */
export interface GarmentDraw {
  garment: Garment;
  side: number;
  flip: boolean;
  gain: number;
  positions: Iterable<readonly [number, number]>;
}

export function drawBackground(r: () => number, recipe: SceneRecipe): BackgroundDraw {
  const bg = recipe.background;
  const base = uniform(r, bg.base);
  const waves = Array.from({ length: bg.waves }, () => {
    const fx = integer(r, -bg.frequency, bg.frequency);
    const fy = integer(r, -bg.frequency, bg.frequency);
    return { fx, fy, amplitude: uniform(r, bg.amplitude), phase: uniform(r, [0, 2 * Math.PI]) };
  });
  return { base, waves };
}

/** Puts each garment at the first of its positions where its mask covers at most `max_overlap` of the
 * garments placed before it; a garment that fits nowhere is dropped. Positions are read lazily, so a
 * generator that draws them draws only as many as are tried. */
export function placeGarments(draws: Iterable<GarmentDraw>, recipe: SceneRecipe): Placed[] {
  const n = recipe.size;
  const labels = new Uint8Array(n * n);
  const placed: Placed[] = [];
  for (const { garment, side, flip, gain, positions } of draws) {
    const patch = garmentPatch({ garment, side, flip }, recipe.mask_threshold);
    for (const [top, left] of positions) {
      if (overlap(patch.mask, side, top, left, labels, n) <= recipe.max_overlap) {
        const p = { garment, side, top, left, flip, gain };
        paste(p, patch, n, labels); // only the labels: the next garments' overlap is measured on them
        placed.push(p);
        break;
      }
    }
  }
  return placed;
}

/** The scene from its draws: background waves, the garments in order (later ones on top), then `noise`
 * (one standard-normal number per pixel) times `noise_std`, clipped to [0, 1]. */
export function composeScene(background: BackgroundDraw, placed: readonly Placed[], noise: ArrayLike<number>, recipe: SceneRecipe): RenderedScene {
  const n = recipe.size;
  const image = new Float64Array(n * n).fill(background.base);
  for (const { fx, fy, amplitude, phase } of background.waves) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) image[y * n + x]! += amplitude * Math.sin((2 * Math.PI * (fx * x + fy * y)) / n + phase);
    }
  }
  const labels = new Uint8Array(n * n);
  for (const p of placed) paste(p, garmentPatch(p, recipe.mask_threshold), n, labels, image);
  const data = Float32Array.from(image, (v, i) => Math.min(1, Math.max(0, v + recipe.noise_std * noise[i]!)));
  return { image: { width: n, height: n, data }, labels };
}

/** Draws the scene's background and noise from its seed, then composes it. */
export function renderScene(scene: Scene, recipe: SceneRecipe): RenderedScene {
  const r = rng(scene.seed);
  const background = drawBackground(r, recipe);
  const noise = Float64Array.from({ length: recipe.size * recipe.size }, () => gaussian(r));
  return composeScene(background, scene.placed, noise, recipe);
}

/** A random scene with the recipe's rules: 2–5 garments from `garments`, random sizes and positions,
 * each placed only where it covers at most `max_overlap` of earlier garments. */
export function randomScene(seed: number, garments: readonly Garment[], recipe: SceneRecipe): Scene {
  if (!garments.length) throw new Error('randomScene needs at least one garment');
  const r = rng(seed);
  const n = recipe.size;
  function* positions(side: number): Generator<[number, number]> {
    for (let attempt = 0; attempt < recipe.tries; attempt++) yield [integer(r, 0, n - side), integer(r, 0, n - side)];
  }
  function* draws(): Generator<GarmentDraw> {
    const count = integer(r, recipe.count[0], recipe.count[1]);
    for (let g = 0; g < count; g++) {
      const garment = garments[Math.floor(r() * garments.length)]!;
      const side = integer(r, recipe.scale[0], recipe.scale[1]);
      const flip = r() < 0.5;
      yield { garment, side, flip, gain: uniform(r, recipe.gain), positions: positions(side) };
    }
  }
  const placed = placeGarments(draws(), recipe);
  return { size: n, seed: Math.floor(r() * 2 ** 32), placed };
}

/** Adds a garment centred at (x, y) in scene pixels, at the middle of the recipe's size range. */
export function addGarment(scene: Scene, garment: Garment, x: number, y: number, recipe: SceneRecipe): Scene {
  const side = Math.round((recipe.scale[0] + recipe.scale[1]) / 2);
  const gain = (recipe.gain[0] + recipe.gain[1]) / 2;
  const p: Placed = { garment, side, top: 0, left: 0, flip: false, gain };
  return { ...scene, placed: [...scene.placed, moveTo(p, x, y, recipe.size)] };
}

/** The garment moved so that its centre is at (x, y), kept wholly inside the scene. */
export function moveTo(p: Placed, x: number, y: number, size: number): Placed {
  const clamp = (v: number) => Math.min(Math.max(Math.round(v - p.side / 2), 0), size - p.side);
  return { ...p, top: clamp(y), left: clamp(x) };
}

/** Index of the topmost garment whose mask covers scene pixel (x, y), or -1. */
export function garmentAt(scene: Scene, x: number, y: number, recipe: SceneRecipe): number {
  for (let i = scene.placed.length - 1; i >= 0; i--) {
    const p = scene.placed[i]!;
    const px = Math.floor(x) - p.left;
    const py = Math.floor(y) - p.top;
    if (px < 0 || py < 0 || px >= p.side || py >= p.side) continue;
    if (garmentPatch(p, recipe.mask_threshold).mask[py * p.side + px]) return i;
  }
  return -1;
}
