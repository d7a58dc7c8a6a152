"""Writes tests/fixtures/scenes.json: scenes that common/scenes.py composes from explicit draws, so that
tests/unit/scene.test.ts can check the browser's composer (src/lib/input/scene.ts) against them.

    /usr/bin/python3 training/scene_fixture.py

Three scenes from five test-set garments: two from scenes.py's own random draws (seeded; all of a garment's
positions are drawn up front so the file can list them), and one made by hand for the edge cases: garments
in opposite corners, mirrored and not, positions rejected for covering earlier garments, and a garment that
fits nowhere and is dropped, and one that covers exactly max_overlap of earlier garments (so still fits).
The script fails unless the three scenes together show every one of these, a garment placed over part of
an earlier one, and pixels clipped to 0 and to 1.
Noise is stored as int8 k, meaning the standard-normal value k / 32, so both sides read the same numbers.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.data import fashion_mnist  # noqa: E402
from common.export import write_json  # noqa: E402
from common.golden import b64  # noqa: E402
from common.scenes import BACKGROUND, RECIPE, draw_background, draw_garments, garment_patch, place, render  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "scenes.json")
CLASSES = (0, 1, 5, 8, 9)   # T-shirt, trouser, sandal (gaps between straps), bag, ankle boot: first of each in the test split
NOISE_SCALE = 32
SEEDS = (7, 11)

HAND_MADE = {
    "background": {"base": 0.05, "waves": [(3, -2, 0.05, 0.5), (-6, 6, 0.02, 2.0), (0, 1, 0.06, 4.0)]},
    "garments": [
        {"index": 0, "side": 46, "flip": False, "gain": 1.0, "positions": [(0, 0)]},              # top-left corner
        {"index": 4, "side": 30, "flip": True, "gain": 0.75, "positions": [(66, 66)]},           # bottom-right corner
        {"index": 1, "side": 40, "flip": False, "gain": 0.9, "positions": [(0, 0), (4, 6), (50, 8)]},
        {"index": 2, "side": 46, "flip": True, "gain": 0.8, "positions": [(0, 0), (2, 2), (1, 3)]},  # fits nowhere
        {"index": 3, "side": 36, "flip": False, "gain": 0.85, "positions": [(28, 40)]},
    ],
}


def seeded(seed, n_items):
    rng = np.random.default_rng(seed)
    background = draw_background(rng)
    garments = [{**g, "positions": list(g["positions"])} for g in draw_garments(rng, n_items)]
    return {"background": background, "garments": garments}


def at_the_limit(items, labels, draws):
    """A garment draw whose only position makes its mask cover exactly max_overlap of the garments before
    it: such a garment is placed (the rule is "at most"). The first garment, size and position found."""
    label = render(draws["background"], place(items, labels, draws["garments"]), labels, 0)[1]
    size, limit = RECIPE["size"], RECIPE["max_overlap"]
    for index in range(len(items)):
        for side in range(RECIPE["scale"][0], RECIPE["scale"][1] + 1):
            _, mask = garment_patch(items[index], side, False)
            for top in range(size - side + 1):
                for left in range(size - side + 1):
                    if (label[top:top + side, left:left + side][mask] != BACKGROUND).mean() == limit:
                        return {"index": index, "side": side, "flip": False, "gain": 0.95, "positions": [(top, left)]}
    raise SystemExit("no garment covers exactly max_overlap of the earlier ones anywhere")


def coverage(items, labels, draws, placed):
    """What the scene exercises: rejected positions, dropped garments, overlaps accepted, mirroring."""
    seen = set()
    label = np.zeros((RECIPE["size"],) * 2, np.uint8)
    placed_by_draw = iter(placed)
    nxt = next(placed_by_draw, None)
    for g in draws:
        if nxt is None or nxt["index"] != g["index"] or nxt["side"] != g["side"]:
            seen.add("dropped")
            continue
        p, nxt = nxt, next(placed_by_draw, None)
        if g["positions"][0] != (p["top"], p["left"]):
            seen.add("rejected")
        window = label[p["top"]:p["top"] + p["side"], p["left"]:p["left"] + p["side"]]
        covered = window[p["mask"]] != BACKGROUND
        if covered.any():
            seen.add("overlap at the limit" if covered.mean() == RECIPE["max_overlap"] else "overlap")
        window[p["mask"]] = labels[p["index"]] + 1
        seen.add("flipped" if g["flip"] else "unflipped")
    return seen


def main():
    test_u8, test_y = fashion_mnist("t10k")
    picks = [int((test_y == c).nonzero()[0]) for c in CLASSES]
    items, labels = test_u8[picks].numpy(), test_y[picks].numpy()
    size = RECIPE["size"]
    scenes, seen = [], set()
    hand_made = {**HAND_MADE, "garments": HAND_MADE["garments"] + [at_the_limit(items, labels, HAND_MADE)]}
    for seed, draws in [(s, seeded(s, len(items))) for s in SEEDS] + [(None, hand_made)]:
        k = np.clip(np.round(np.random.default_rng(seed or 0).standard_normal((size, size)) * NOISE_SCALE), -127, 127)
        noise = k.astype(np.int8)
        placed = place(items, labels, draws["garments"])
        image, label = render(draws["background"], placed, labels, noise / NOISE_SCALE)
        seen |= coverage(items, labels, draws["garments"], placed)
        seen |= {"clipped to 0"} if (image == 0).any() else set()
        seen |= {"clipped to 1"} if (image == 1).any() else set()
        scenes.append({
            "drawn": f"scenes.py's draws, numpy seed {seed}" if seed else "by hand",
            "background": {"base": draws["background"]["base"],
                           "waves": [{"fx": fx, "fy": fy, "amplitude": a, "phase": ph} for fx, fy, a, ph in draws["background"]["waves"]]},
            "garments": [{"index": g["index"], "side": g["side"], "flip": g["flip"], "gain": g["gain"],
                          "positions": [list(p) for p in g["positions"]]} for g in draws["garments"]],
            "noise": b64(noise),
            "placed": [{"index": p["index"], "top": p["top"], "left": p["left"]} for p in placed],
            "image": b64(image.astype("<f4")),
            "labels": b64(label),
        })
    wanted = {"rejected", "dropped", "overlap", "overlap at the limit", "flipped", "unflipped", "clipped to 0", "clipped to 1"}
    if wanted - seen:
        raise SystemExit(f"the fixture's scenes do not exercise {sorted(wanted - seen)}")
    write_json(OUT, {
        "about": "Written by training/scene_fixture.py with training/common/scenes.py; src/lib/input/scene.ts must "
                 "compose the same image (within 1e-6) and label map from the same draws.",
        "recipe": RECIPE,
        "garments": [{"test_index": i, "label": int(labels[n]), "pixels": b64(items[n])} for n, i in enumerate(picks)],
        "noise_scale": NOISE_SCALE,
        "encoding": "noise: int8, value / noise_scale is the standard-normal draw; image: float32; labels and garment pixels: uint8; "
                    "all base64, row-major",
        "scenes": scenes,
    })
    print(f"wrote {os.path.normpath(OUT)}: {len(scenes)} scenes, covering {', '.join(sorted(seen))}")


if __name__ == "__main__":
    main()
