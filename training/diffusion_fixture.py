"""Writes tests/fixtures/diffusion.json: the samplers of training/diffusion.py run step by step on the
shipped denoiser, so the browser's TypeScript sampler, run under onnxruntime-node on the same noise, can be
checked against them.

    /usr/bin/python3 training/diffusion_fixture.py                      # from public/models/diffusion
    /usr/bin/python3 training/diffusion_fixture.py --model-dir /tmp/diffusion --out /tmp/diffusion.json   # a smoke build

The network is the shipped denoiser.onnx's weights read back into the PyTorch module that exported it
(common/restore.py); the schedule is the shipped schedule.json's alphas_cumprod. One image of class CLASS
at the card's default guidance, from one seeded noise image (the first draw that keeps x^_0 at t = T-1 clear
of the clipping range, see first_noise): a DDIM run (eta 0) of DDIM_STEPS steps and an ancestral DDPM run of
DDPM_STEPS steps, each starting from that noise; DDPM's per-step noise is listed too.
Every noise value is rounded to DIGITS significant digits before it is used, so the TypeScript sampler
starts from exactly the numbers in the file. For every step, in the order visited (t from T-1 down to 0):
t, abar_t, the x_t the network was given and the x^_0 it implied (clipped); then the final image (the last
x^_0). Every image is 32x32 (the model's padded size), flat, row-major. The fixture records the sha256 of
denoiser.onnx and schedule.json, so after a retraining the test fails until this script is run again.
"""
import argparse
import hashlib
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diffusion as D  # noqa: E402
from common.restore import restore  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "diffusion.json")
DIGITS = 7          # significant digits kept
CLASS = 7           # Sneaker
DDIM_STEPS = 10
DDPM_STEPS = 5
SEED = 2024
# What a sampler on onnxruntime-node must match, per element of every x, x^_0 and the image. Measured on
# smoke-trained models with the same arithmetic in JavaScript (float32 images, float64 coefficients):
# running free from the noise, at most 5e-6 (x), 2e-5 (x^_0), 3e-6 (image); fed the file's x at every
# step, 2e-5. The margin is for a fully trained network, whose outputs may lie nearer where rounding
# decides (first_noise keeps the one place that magnifies differences 20,000-fold out of play).
TOLERANCE = {"atol": 1e-3, "rtol": 0}


def rounded(t):
    return [float(f"{v:.{DIGITS}g}") for v in t.detach().double().reshape(-1).tolist()]


def as_input(values):
    """A list of rounded values as the float32 tensor (1, 1, 32, 32) both samplers start from."""
    return torch.tensor(values, dtype=torch.float32).reshape(1, 1, D.SIZE, D.SIZE)


def run(net, noise, abar, steps, w, method, step_noise=None):
    """One sampler run; returns its record: the timesteps visited, abar there, x_t and x^_0 at each step."""
    trace = []
    image = D.sample(net, noise, torch.tensor([CLASS]), abar, steps, w, method,
                     step_noise=list(step_noise) if step_noise is not None else None, trace=trace)
    return {"steps": steps, "t": [t for t, *_ in trace], "abar": [abar[t] for t, *_ in trace],
            "x": [rounded(x) for _, x, _, _ in trace], "x0": [rounded(x0) for *_, x0 in trace], "image": rounded(image)}


@torch.no_grad()
def first_noise(net, abar, w, g, candidates=64, wanted=1.5):
    """The starting noise: the first of `candidates` seeded draws whose x^_0 at t = T-1 is, before clipping,
    at least `wanted` from 0 in every pixel (else the draw that comes nearest). There x^_0 divides by
    sqrt(abar_{T-1}) = 5e-5, so a pixel whose x^_0 falls inside [-1, 1] would turn onnxruntime's tiny
    differences from PyTorch into visible ones; with every pixel clipped by a margin, it cannot."""
    t = len(abar) - 1
    draws = [rounded(torch.randn(1, 1, D.SIZE, D.SIZE, generator=g)) for _ in range(candidates)]
    x = torch.cat([as_input(d) for d in draws])
    eps = D.guided_eps(net, x, t, torch.full((candidates,), CLASS), w)
    margin = ((x - (1 - abar[t]) ** 0.5 * eps) / abar[t] ** 0.5).abs().flatten(1).amin(dim=1)
    ok = (margin >= wanted).nonzero().flatten()
    pick = int(ok[0]) if len(ok) else int(margin.argmax())
    return draws[pick], float(margin[pick])


def dump(fixture, path):
    """One line a field; lists of images one image a line: small in git, still readable."""
    lines = []
    for key, value in fixture.items():
        if isinstance(value, dict):
            inner = []
            for k, v in value.items():
                if isinstance(v, list) and v and isinstance(v[0], list):
                    body = ",\n".join("   " + json.dumps(row, separators=(",", ":")) for row in v)
                    inner.append(f"  {json.dumps(k)}: [\n{body}\n  ]")
                else:
                    inner.append(f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'), ensure_ascii=False)}")
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + "\n }")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, separators=(',', ':'), ensure_ascii=False)}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", default=os.path.join(ROOT, "public", "models", "diffusion"))
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("THREADS", 1)))

    def read(name):
        with open(os.path.join(args.model_dir, name), "rb") as f:
            return f.read()

    card, schedule_raw = json.loads(read("card.json")), read("schedule.json")
    schedule = json.loads(schedule_raw)
    graph = next(g for g in card["graphs"] if g["name"] == "denoiser")
    tr = card["training"]
    if (tr["groups"], tr["heads"], tr["T"]) != (D.GROUPS, D.HEADS, D.T):
        raise SystemExit(f"{args.model_dir} was trained with groups/heads/T {tr['groups']}/{tr['heads']}/{tr['T']}, "
                         f"training/diffusion.py now has {D.GROUPS}/{D.HEADS}/{D.T}")
    net = D.Exported(D.UNet(tuple(tr["widths"]), tr["T"], tr["freqs"], tr["emb"]))
    example = (torch.zeros(2, 1, D.SIZE, D.SIZE), torch.tensor([1, 1]), torch.tensor([0, D.NULL_CLASS]))
    restore(args.model_dir, net, example, file=graph["file"])
    net.eval()
    abar = schedule["alphas_cumprod"]
    w = card["sampler"]["guidance"]

    g = torch.Generator().manual_seed(SEED)
    noise, margin = first_noise(net, abar, w, g)
    z = [rounded(torch.randn(1, 1, D.SIZE, D.SIZE, generator=g)) for _ in range(DDPM_STEPS - 1)]
    ddim = run(net, as_input(noise), abar, DDIM_STEPS, w, "ddim")
    ddpm = run(net, as_input(noise), abar, DDPM_STEPS, w, "ddpm", [as_input(v) for v in z])
    ddpm["z"] = z

    fixture = {
        "about": "Written by training/diffusion_fixture.py: training/diffusion.py's samplers run on the shipped denoiser "
                 "(weights read back from denoiser.onnx into PyTorch) and schedule.json. Images are 32x32, flat, row-major, "
                 f"rounded to {DIGITS} significant digits. Each run starts from `noise` as x at t[0] = T-1; at step i the "
                 "network gets x[i] at t[i] (guided: eps = eps_null + guidance (eps_class - eps_null), one batch of 2), "
                 "x0[i] = clip((x[i] - sqrt(1 - abar[i]) eps) / sqrt(abar[i]), -1, 1); DDIM: x[i+1] = sqrt(abar[i+1]) x0[i] "
                 "+ sqrt(1 - abar[i+1]) eps; DDPM: x[i+1] = the posterior mean of x0[i] and x[i] plus its standard deviation "
                 "times z[i]; after t = 0 the image is x0 of the last step.",
        "denoiser_sha256": graph["sha256"],
        "schedule_sha256": hashlib.sha256(schedule_raw).hexdigest(),
        "tolerance": {**TOLERANCE, "note": "per element, for every x, x0 and the image, when a sampler under "
                      "onnxruntime-node runs free from `noise` (measured on smoke-trained models: under 2e-5)"},
        "first_step_margin": round(margin, 4),
        "shape": [1, 1, D.SIZE, D.SIZE],
        "class": CLASS, "null_class": D.NULL_CLASS, "guidance": w, "T": schedule["T"], "seed": SEED,
        "noise": noise,
        "ddim": ddim,
        "ddpm": ddpm,
    }
    dump(fixture, args.out)
    print(f"wrote {os.path.normpath(args.out)} from {os.path.normpath(args.model_dir)} "
          f"({os.path.getsize(args.out) // 1024} KB; DDIM {ddim['t']}, DDPM {ddpm['t']})")


if __name__ == "__main__":
    main()
