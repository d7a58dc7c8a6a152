"""Synthetic segmentation scenes made of Fashion-MNIST garments, for the UNet chapter.

A scene is a SIZE x SIZE grey image: a textured, noisy background with 2-5 garments pasted at random
positions and sizes, allowed to overlap a little. Its label map gives every pixel the class of the
garment drawn on top there (1-10) or 0 for background; the masks are the garments' own pixels (those
brighter than MASK_THRESHOLD after resizing). The widget composes scenes with the same recipe in
TypeScript (src/lib/input/scene.ts) from the RECIPE written into the card, so the two must change together:
both split a scene into its random draws and a deterministic composition (place, render), and
tests/fixtures/scenes.json, written from this file by training/scene_fixture.py, holds explicit draws and
what this file composes from them, which the TypeScript composer must reproduce.
"""
import math

import numpy as np

RECIPE = {
    "size": 96,
    "count": [2, 5],             # garments per scene, inclusive
    "scale": [30, 46],           # side of a pasted garment in pixels (the originals are 28)
    "gain": [0.75, 1.0],          # garment brightness factor
    "max_overlap": 0.2,          # at most this share of a new garment's mask may cover earlier garments
    "tries": 30,                 # placements tried per garment before it is skipped
    "mask_threshold": 0.15,       # a resized garment pixel above this belongs to its mask
    "background": {"base": [0.0, 0.2], "waves": 3, "amplitude": [0.0, 0.06], "frequency": 6},
    "noise_std": 0.04,           # Gaussian noise over the whole scene, garments included
}
BACKGROUND = 0                   # class 0; garment class c is stored as c + 1


def resize_bilinear(img, out):
    """Square bilinear resize with half-pixel centres (as torch's align_corners=False and the browser's)."""
    n = img.shape[0]
    src = np.clip((np.arange(out) + 0.5) * n / out - 0.5, 0, n - 1)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    w = src - i0
    rows = img[i0] * (1 - w)[:, None] + img[i1] * w[:, None]
    return rows[:, i0] * (1 - w)[None, :] + rows[:, i1] * w[None, :]


# region compose
def draw_background(rng, recipe=RECIPE):
    """The background's random numbers: a base brightness and, per sine wave, its direction, amplitude and phase."""
    bg = recipe["background"]
    base, waves = rng.uniform(*bg["base"]), []
    for _ in range(bg["waves"]):
        fx, fy = rng.integers(-bg["frequency"], bg["frequency"] + 1, size=2)
        waves.append((int(fx), int(fy), rng.uniform(*bg["amplitude"]), rng.uniform(0, 2 * math.pi)))
    return {"base": base, "waves": waves}


def draw_garments(rng, n_items, recipe=RECIPE):
    """Per garment: which of the n_items, its side, whether it is mirrored, its gain, and the positions
    to try. A generator, so the numbers are drawn only as place() uses them."""
    size = recipe["size"]
    for _ in range(rng.integers(recipe["count"][0], recipe["count"][1] + 1)):
        k = int(rng.integers(n_items))
        side = int(rng.integers(recipe["scale"][0], recipe["scale"][1] + 1))
        flip = bool(rng.random() < 0.5)
        gain = rng.uniform(*recipe["gain"])
        positions = (tuple(int(v) for v in rng.integers(0, size - side + 1, size=2)) for _ in range(recipe["tries"]))
        yield {"index": k, "side": side, "flip": flip, "gain": gain, "positions": positions}


def garment_patch(item, side, flip, recipe=RECIPE):
    """A uint8 garment resized to side x side in [0, 1], mirrored if asked, and its mask."""
    garment = resize_bilinear(item.astype(np.float64) / 255.0, side)
    if flip:
        garment = garment[:, ::-1]
    return garment, garment > recipe["mask_threshold"]


def place(items, labels, garments, recipe=RECIPE):
    """Puts each garment at the first of its positions where its mask covers at most max_overlap of the
    garments placed before it; a garment that fits nowhere is dropped. Returns the placed garments."""
    size = recipe["size"]
    label = np.zeros((size, size), np.uint8)
    placed = []
    for g in garments:
        patch, mask = garment_patch(items[g["index"]], g["side"], g["flip"], recipe)
        for top, left in g["positions"]:
            window = label[top:top + g["side"], left:left + g["side"]]
            if (window[mask] != BACKGROUND).mean() <= recipe["max_overlap"]:
                window[mask] = labels[g["index"]] + 1
                placed.append({"index": g["index"], "side": g["side"], "gain": g["gain"], "top": top, "left": left,
                               "patch": patch, "mask": mask})
                break
    return placed


def render(background, placed, labels, noise, recipe=RECIPE):
    """The scene: background waves, the placed garments in order (later ones on top), then `noise`
    (standard normal, one per pixel) times noise_std. Returns (image float32 (S, S) in [0, 1], label map
    uint8 (S, S): 0 for background, class c as c + 1)."""
    size = recipe["size"]
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.full((size, size), background["base"])
    for fx, fy, amplitude, phase in background["waves"]:
        image += amplitude * np.sin(2 * math.pi * (fx * x + fy * y) / size + phase)
    label = np.zeros((size, size), np.uint8)
    for p in placed:
        window = (slice(p["top"], p["top"] + p["side"]), slice(p["left"], p["left"] + p["side"]))
        image[window][p["mask"]] = p["gain"] * p["patch"][p["mask"]]
        label[window][p["mask"]] = labels[p["index"]] + 1
    image += recipe["noise_std"] * noise
    return np.clip(image, 0, 1).astype(np.float32), label


def compose(rng, items, labels, recipe=RECIPE):
    """One random scene from garments `items` (uint8 (N, 28, 28)) with class ids `labels`.
    Returns (image, label map, the pasted garments' indices)."""
    background = draw_background(rng, recipe)
    placed = place(items, labels, draw_garments(rng, len(items), recipe), recipe)
    noise = rng.standard_normal((recipe["size"], recipe["size"]))
    image, label = render(background, placed, labels, noise, recipe)
    return image, label, [p["index"] for p in placed]
# endregion compose


def make_scenes(seed, n, items, labels, recipe=RECIPE):
    """n scenes from a seeded generator: (images uint8 (n, S, S), label maps uint8 (n, S, S))."""
    rng = np.random.default_rng(seed)
    size = recipe["size"]
    images = np.empty((n, size, size), np.uint8)
    maps = np.empty((n, size, size), np.uint8)
    for i in range(n):
        img, lab, _ = compose(rng, items, labels, recipe)
        images[i] = np.round(img * 255)
        maps[i] = lab
    return images, maps
