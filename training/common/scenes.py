"""Synthetic segmentation scenes made of Fashion-MNIST garments, for the UNet chapter.

A scene is a SIZE x SIZE grey image: a textured, noisy background with 2-5 garments pasted at random
positions and sizes, allowed to overlap a little. Its label map gives every pixel the class of the
garment drawn on top there (1-10) or 0 for background; the masks are the garments' own pixels (those
brighter than MASK_THRESHOLD after resizing). The widget composes scenes with the same recipe in
TypeScript (src/lib/input/scene.ts) from the RECIPE written into the card, so the two must change together.
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
def background(rng, size, recipe=RECIPE):
    bg = recipe["background"]
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    img = np.full((size, size), rng.uniform(*bg["base"]))
    for _ in range(bg["waves"]):
        fx, fy = rng.integers(-bg["frequency"], bg["frequency"] + 1, size=2)
        img += rng.uniform(*bg["amplitude"]) * np.sin(2 * math.pi * (fx * x + fy * y) / size + rng.uniform(0, 2 * math.pi))
    return img


def compose(rng, items, labels, recipe=RECIPE):
    """One scene from garments drawn out of `items` (uint8 (N, 28, 28)) with class ids `labels`.
    Returns (image float32 (S, S) in [0, 1], label map uint8 (S, S), the pasted garments' indices)."""
    size = recipe["size"]
    image = background(rng, size, recipe)
    label = np.zeros((size, size), np.uint8)
    used = []
    for _ in range(rng.integers(recipe["count"][0], recipe["count"][1] + 1)):
        k = int(rng.integers(len(items)))
        side = int(rng.integers(recipe["scale"][0], recipe["scale"][1] + 1))
        garment = resize_bilinear(items[k].astype(np.float64) / 255.0, side)
        if rng.random() < 0.5:
            garment = garment[:, ::-1]
        mask = garment > recipe["mask_threshold"]
        gain = rng.uniform(*recipe["gain"])
        for _ in range(recipe["tries"]):
            top, left = rng.integers(0, size - side + 1, size=2)
            covered = label[top:top + side, left:left + side][mask] != BACKGROUND
            if covered.mean() <= recipe["max_overlap"]:
                window = (slice(top, top + side), slice(left, left + side))
                image[window][mask] = gain * garment[mask]
                label[window][mask] = labels[k] + 1
                used.append(k)
                break
    image += rng.normal(0, recipe["noise_std"], size=image.shape)
    return np.clip(image, 0, 1).astype(np.float32), label, used
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
