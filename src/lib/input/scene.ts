/**
 * Segmentation scenes made of garments, the browser half of training/common/scenes.py: the same recipe
 * (read from the model card), the same resize, background and masks, so that a scene composed here looks
 * like the scenes the UNet was trained on. A scene is a list of placed garments over a seeded background;
 * rendering it gives the image and its label map (0 = background, class c = c + 1), so the ground truth of
 * every composed scene is known.
 */
import type { Grey } from './preprocess';

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

/** mulberry32: a small, fast, seedable generator of uniform numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uniform = (r: () => number, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * r();
/** An integer in [lo, hi], both included. */
const integer = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

function gaussian(r: () => number): number {
  // Box–Muller; 1 - r() keeps the logarithm's argument above zero.
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Square bilinear resize with half-pixel centres, as torch (align_corners=False) and scenes.py do. */
export function resizeBilinear(src: ArrayLike<number>, n: number, out: number): Float32Array {
  const pos = new Float64Array(out);
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  for (let i = 0; i < out; i++) {
    pos[i] = Math.min(Math.max(((i + 0.5) * n) / out - 0.5, 0), n - 1);
    i0[i] = Math.floor(pos[i]!);
    i1[i] = Math.min(i0[i]! + 1, n - 1);
    pos[i] = pos[i]! - i0[i]!;
  }
  const dst = new Float32Array(out * out);
  for (let y = 0; y < out; y++) {
    const wy = pos[y]!;
    for (let x = 0; x < out; x++) {
      const wx = pos[x]!;
      const at = (yy: number, xx: number) => src[yy * n + xx]!;
      const top = at(i0[y]!, i0[x]!) * (1 - wx) + at(i0[y]!, i1[x]!) * wx;
      const bottom = at(i1[y]!, i0[x]!) * (1 - wx) + at(i1[y]!, i1[x]!) * wx;
      dst[y * out + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return dst;
}

/** The garment at its pasted size (flipped if asked) in [0, 1], and its mask. */
export function garmentPatch(p: Placed, threshold: number): { values: Float32Array; mask: Uint8Array } {
  const scaled = resizeBilinear(Float32Array.from(p.garment.pixels, (v) => v / 255), p.garment.side, p.side);
  const values = new Float32Array(p.side * p.side);
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
function paste(p: Placed, patch: ReturnType<typeof garmentPatch>, n: number, labels: Uint8Array, image?: Float32Array): void {
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

/** Draws the scene: background waves, garments in order (later ones on top), then noise over everything. */
export function renderScene(scene: Scene, recipe: SceneRecipe): RenderedScene {
  const n = recipe.size;
  const r = rng(scene.seed);
  const bg = recipe.background;
  const image = new Float32Array(n * n).fill(uniform(r, bg.base));
  for (let k = 0; k < bg.waves; k++) {
    const fx = integer(r, -bg.frequency, bg.frequency);
    const fy = integer(r, -bg.frequency, bg.frequency);
    const amplitude = uniform(r, bg.amplitude);
    const phase = uniform(r, [0, 2 * Math.PI]);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) image[y * n + x]! += amplitude * Math.sin((2 * Math.PI * (fx * x + fy * y)) / n + phase);
    }
  }
  const labels = new Uint8Array(n * n);
  for (const p of scene.placed) paste(p, garmentPatch(p, recipe.mask_threshold), n, labels, image);
  image.forEach((v, i) => (image[i] = Math.min(1, Math.max(0, v + recipe.noise_std * gaussian(r)))));
  return { image: { width: n, height: n, data: image }, labels };
}

/** A random scene with the recipe's rules: 2–5 garments from `garments`, random sizes and positions,
 * each placed only where it covers at most `max_overlap` of earlier garments. */
export function randomScene(seed: number, garments: readonly Garment[], recipe: SceneRecipe): Scene {
  if (!garments.length) throw new Error('randomScene needs at least one garment');
  const r = rng(seed);
  const n = recipe.size;
  const labels = new Uint8Array(n * n);
  const placed: Placed[] = [];
  const count = integer(r, recipe.count[0], recipe.count[1]);
  for (let g = 0; g < count; g++) {
    const garment = garments[Math.floor(r() * garments.length)]!;
    const side = integer(r, recipe.scale[0], recipe.scale[1]);
    const flip = r() < 0.5;
    const gain = uniform(r, recipe.gain);
    const patch = garmentPatch({ garment, side, top: 0, left: 0, flip, gain }, recipe.mask_threshold);
    for (let attempt = 0; attempt < recipe.tries; attempt++) {
      const top = integer(r, 0, n - side);
      const left = integer(r, 0, n - side);
      if (overlap(patch.mask, side, top, left, labels, n) <= recipe.max_overlap) {
        const p = { garment, side, top, left, flip, gain };
        paste(p, patch, n, labels); // only the labels: the next garments' overlap is measured on them
        placed.push(p);
        break;
      }
    }
  }
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
