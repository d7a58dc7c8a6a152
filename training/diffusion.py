"""Denoising diffusion (Ho, Jain & Abbeel, 2020) with classifier-free guidance (Ho & Salimans, 2022), small
enough to train on a CPU: a class-conditional model that draws Fashion-MNIST clothes out of noise.

    THREADS=1 /usr/bin/python3 training/diffusion.py                  # full run, writes public/models/diffusion/
    /usr/bin/python3 training/diffusion.py --smoke --out /tmp/diffusion   # a few steps, for CI
    /usr/bin/python3 training/diffusion.py --export-only              # export and measure the checkpoint again
    /usr/bin/python3 training/diffusion.py --from-shipped             # rewrite card, goldens and quality from the shipped weights

What is kept from the papers: the forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) over
T = 1000 steps, the network trained to predict the noise eps with a plain mean-squared error, a UNet noise
predictor with sinusoidal timestep embeddings, residual blocks with group norm and self-attention at the
lowest resolution, the cosine schedule of Nichol & Dhariwal (2021), an exponential moving average of the
weights (the EMA weights are shipped), and classifier-free guidance: the class is replaced by a null class
P_UNCOND of the time, so one network predicts the noise with and without the class. What is scaled: 32x32
grey images (Fashion-MNIST padded by 2 pixels of background) instead of 32x32 RGB CIFAR-10 or 256x256, three
resolutions with one residual block each instead of four with two, widths 16-32-64 instead of 128-256-256-256
(0.52 M parameters instead of 35.7 M), and 4,200 steps of batch 64 on one CPU thread (about half an hour)
instead of 800,000 steps of batch 128 on TPUs.

The samplers (DDIM with eta = 0, and ancestral DDPM) live in `# region sampler`; the browser's TypeScript
sampler does exactly their arithmetic, and training/diffusion_fixture.py records it step by step.
"""
import copy
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common.data import FASHION_LABELS, FASHION_SOURCE, fashion_mnist  # noqa: E402
from common.export import sha256, write_json  # noqa: E402
from common.golden import b64  # noqa: E402
from common.loop import format_row, set_seed  # noqa: E402
from common.restore import restore  # noqa: E402
from common.ship import Graph, Input, Output, arguments, ship  # noqa: E402

# ---- config: every default here produced the shipped model ------------------------------------------
SEED = 1234
T = 1000              # diffusion steps of the forward process
COSINE_S = 0.008      # offset of the cosine schedule, so beta_0 is not vanishingly small (Nichol & Dhariwal)
MAX_BETA = 0.999      # betas are clipped here, so the last steps do not divide by zero
SIZE = 32             # Fashion-MNIST's 28x28, padded by PAD pixels of background on every side
PAD = 2
WIDTHS = (16, 32, 64)  # channels at 32x32, 16x16 and 8x8
FREQS = 32            # size of the sinusoidal timestep embedding
EMB = 128             # width of the timestep + class embedding every residual block receives
GROUPS = 8            # group norm: channels per group = width / GROUPS
HEADS = 4             # self-attention heads at 8x8 (16 channels a head)
CLASSES = 10
NULL_CLASS = 10       # the 11th row of the class table: "no class", for classifier-free guidance
P_UNCOND = 0.1        # share of training images whose label is replaced by NULL_CLASS
STEPS = 4200          # optimiser steps of the full run: about 0.41 s each on one busy thread, 29 minutes
BATCH = 64
LR = 2e-3             # AdamW peak, after WARMUP steps of linear warm-up, then a cosine decay to 0
WARMUP = 300
WEIGHT_DECAY = 1e-4
GRAD_CLIP = 1.0       # global gradient norm
EMA_DECAY = 0.999     # per step; the shipped weights are the average (about the last 1,000 steps)
FLIP = True           # random horizontal flips of the training images (a garment's mirror image is the same class)
LOG_EVERY = 200       # steps between log lines (mean training loss since the last line)
EVAL_EVERY = 1000     # steps between held-out losses of the EMA weights (fixed images, timesteps and noise)
HELD_OUT = 512        # test images of that held-out loss
SAMPLER = "ddim"      # the browser's defaults, and what the quality figures are measured with
SAMPLE_STEPS = 50     # DDIM steps, evenly spaced over 0..T-1
GUIDANCE = 4.0        # w in eps = eps_null + w (eps_class - eps_null): 1 is the class alone, unguided
QUALITY_PER_CLASS = 100  # generated images per class for the quality figures (1,000 in all)
N_SAMPLES = 2         # test images per class shipped for the forward-process widget
CLASSIFIER = "resnet"  # the shipped Fashion-MNIST classifier that judges the samples
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "public", "models", "diffusion")
CHECKPOINTS = os.path.join(HERE, "checkpoints")
VARIANTS = ["diffusion"]   # the shipped model this script makes (scripts/models.sh reads this)


# region model
def sinusoids(steps, dim):
    """The transformer's position encoding, used for time: row t is [sin(t f_0), ..., cos(t f_0), ...]
    with frequencies f_i = 10000^(-i / (dim/2)). Stored as a table and looked up, so the graph needs no
    int-to-float cast."""
    freqs = torch.exp(-math.log(10000.0) * torch.arange(dim // 2, dtype=torch.float64) / (dim // 2))
    angles = torch.arange(steps, dtype=torch.float64)[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1).float()


class GroupNorm(nn.Module):
    """Group normalisation (Wu & He, 2018): every image's channels in GROUPS groups, each group scaled to
    mean 0 and variance 1, then a learned scale and shift per channel. For the ONNX export it is written out
    with the feature map's size fixed, so the graph has only constant shapes (torch's own export asks for
    the shape at run time and folds the scale into nameless constants); elsewhere torch's fused kernel,
    the same arithmetic, trains faster."""

    def __init__(self, channels, size, groups=GROUPS, eps=1e-5):
        super().__init__()
        self.groups, self.eps = groups, eps
        self.grouped, self.full = (-1, groups, channels // groups * size * size), (-1, channels, size, size)
        self.weight = nn.Parameter(torch.ones(channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1, 1))

    def forward(self, x):
        if not torch.onnx.is_in_onnx_export():
            return F.group_norm(x, self.groups, self.weight.flatten(), self.bias.flatten(), self.eps)
        g = x.reshape(self.grouped)
        d = g - g.mean(dim=-1, keepdim=True)
        g = d / torch.sqrt((d * d).mean(dim=-1, keepdim=True) + self.eps)
        return g.reshape(self.full) * self.weight + self.bias


class ResBlock(nn.Module):
    """x + F(x, e): group norm, SiLU, 3x3 conv; add the embedding e (timestep + class), projected to the
    block's channels, at every pixel; group norm, SiLU, 3x3 conv. A 1x1 conv matches x's channels."""

    def __init__(self, c_in, c_out, size, emb=EMB):
        super().__init__()
        self.norm1, self.conv1 = GroupNorm(c_in, size), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb, c_out)
        self.norm2, self.conv2 = GroupNorm(c_out, size), nn.Conv2d(c_out, c_out, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)           # every block starts as the identity
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]       # (B, C) -> (B, C, 1, 1): the same at every pixel
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Self-attention over the size x size pixels (Vaswani et al., 2017), every pixel a token: multi-head,
    softmax(Q^T K / sqrt(d)), with a residual connection. 1x1 convolutions make Q, K, V and the output."""

    def __init__(self, channels, size, heads=HEADS):
        super().__init__()
        self.split = (-1, 3, heads, channels // heads, size * size)
        self.full, self.scale = (-1, channels, size, size), (channels // heads) ** -0.5
        self.norm = GroupNorm(channels, size)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.proj.weight)

    def forward(self, x):
        q, k, v = self.qkv(self.norm(x)).reshape(self.split).unbind(1)      # (B, heads, d, N) each
        weights = torch.softmax((q.transpose(-2, -1) @ k) * self.scale, dim=-1)   # (B, heads, N query, N key)
        out = (v @ weights.transpose(-2, -1)).reshape(self.full)            # every pixel: its weighted values
        return x + self.proj(out)


class Up(nn.Module):
    """Nearest-neighbour upsampling x2, then a 3x3 conv to the width of the level above."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNet(nn.Module):
    """Predicts the noise eps in x_t, given x_t, the timestep t and the class (NULL_CLASS for none).
    Encoder 32 -> 16 -> 8 (attention at 8), a middle of two blocks around attention, a decoder 8 -> 16 -> 32
    that concatenates the encoder's map of the same size before each block."""

    def __init__(self, widths=WIDTHS, steps=T, freqs=FREQS, emb=EMB, classes=CLASSES + 1):
        super().__init__()
        c1, c2, c3 = widths
        self.register_buffer("time_table", sinusoids(steps, freqs))        # (T, FREQS), not learned
        self.time_mlp = nn.Sequential(nn.Linear(freqs, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.class_emb = nn.Embedding(classes, emb)                        # row NULL_CLASS: no class
        self.inc = nn.Conv2d(1, c1, 3, padding=1)
        self.enc1, self.down1 = ResBlock(c1, c1, 32), nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.enc2, self.down2 = ResBlock(c1, c2, 16), nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.enc3, self.attn3 = ResBlock(c2, c3, 8), Attention(c3, 8)
        self.mid1, self.mid_attn, self.mid2 = ResBlock(c3, c3, 8), Attention(c3, 8), ResBlock(c3, c3, 8)
        self.dec3, self.up3 = ResBlock(c3 + c3, c3, 8), Up(c3, c2)
        self.dec2, self.up2 = ResBlock(c2 + c2, c2, 16), Up(c2, c1)
        self.dec1 = ResBlock(c1 + c1, c1, 32)
        self.out_norm, self.out = GroupNorm(c1, 32), nn.Conv2d(c1, 1, 3, padding=1)
        nn.init.zeros_(self.out.weight)

    def forward(self, x, t, c):
        # x: (B, 1, 32, 32), an image in [-1, 1] plus noise; t: (B,) in 0..T-1; c: (B,) in 0..10
        e = F.silu(self.time_mlp(self.time_table[t]) + self.class_emb(c))  # (B, EMB), given to every block
        h1 = self.enc1(self.inc(x), e)                                    # (B, 16, 32, 32)
        h2 = self.enc2(self.down1(h1), e)                                 # (B, 32, 16, 16)
        h3 = self.attn3(self.enc3(self.down2(h2), e))                     # (B, 64, 8, 8)
        mid = self.mid2(self.mid_attn(self.mid1(h3, e)), e)               # (B, 64, 8, 8)
        d3 = self.dec3(torch.cat([mid, h3], dim=1), e)                    # (B, 64, 8, 8)
        d2 = self.dec2(torch.cat([self.up3(d3), h2], dim=1), e)           # (B, 32, 16, 16)
        d1 = self.dec1(torch.cat([self.up2(d2), h1], dim=1), e)           # (B, 16, 32, 32)
        return self.out(F.silu(self.out_norm(d1))), (mid, d2, d1)         # eps^: (B, 1, 32, 32)
# endregion model


class Exported(nn.Module):
    """What the browser runs at every step: the predicted noise and three feature maps (the middle of the U
    after attention, and the decoder's 16x16 and 32x32 levels)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x, t, c):
        eps, (mid, d2, d1) = self.net(x, t, c)
        return eps, mid, d2, d1


def outputs():
    batch = {0: "batch"}
    return [Output("eps", "noise", {"en": "predicted noise ε̂ in x_t", "zh": "预测的 x_t 中的噪声 ε̂"}, dims=batch),
            Output("mid", "feature_map", {"en": "middle of the U (8×8, after attention)", "zh": "U 形底部（8×8，注意力之后）"}, dims=batch),
            Output("dec16", "feature_map", {"en": "decoder at 16×16", "zh": "解码器 16×16 层"}, dims=batch),
            Output("dec32", "feature_map", {"en": "decoder at 32×32", "zh": "解码器 32×32 层"}, dims=batch)]


# region sampler
def cosine_schedule(steps=T, s=COSINE_S, max_beta=MAX_BETA):
    """abar_t for t = 0..T-1, in float64: beta_t = min(1 - f(t + 1) / f(t), max_beta) with
    f(t) = cos^2(pi/2 (t/T + s) / (1 + s)), and abar_t = (1 - beta_0) ... (1 - beta_t)."""
    f = lambda t: math.cos((t / steps + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    abar, prod = [], 1.0
    for t in range(steps):
        prod *= 1 - min(1 - f(t + 1) / f(t), max_beta)
        abar.append(prod)
    return abar


def timesteps(steps, total=T):
    """The `steps` timesteps a sampler visits, increasing, evenly spaced from 0 to T-1: tau_i =
    floor((T-1) i / (steps-1) + 1/2), in integers. One step visits T-1 only."""
    if steps == 1:
        return [total - 1]
    return [((total - 1) * i * 2 + (steps - 1)) // (2 * (steps - 1)) for i in range(steps)]


@torch.no_grad()
def guided_eps(net, x, t, c, w):
    """eps = eps_null + w (eps_class - eps_null), the two predictions made as one batch (x twice; the
    classes, then NULL_CLASS for all). w = 1 is the class alone, w = 0 no class at all: one pass each."""
    n, tt = len(x), torch.full((len(x),), t, dtype=torch.int64)
    if w == 1 or w == 0:
        return net(x, tt, c if w == 1 else torch.full_like(c, NULL_CLASS))[0]
    eps = net(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([c, torch.full_like(c, NULL_CLASS)]))[0]
    eps_c, eps_null = eps[:n], eps[n:]
    return eps_null + w * (eps_c - eps_null)


def predict_x0(x, eps, a_t):
    """x^_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t), clipped to the pixel range [-1, 1]."""
    return ((x - math.sqrt(1 - a_t) * eps) / math.sqrt(a_t)).clamp(-1, 1)


def ddim_step(x, x0, a_t, a_s):
    """DDIM with eta = 0 (Song, Meng & Ermon, 2020), deterministic: x_s = sqrt(abar_s) x^_0 + sqrt(1 - abar_s) eps,
    with eps = (x_t - sqrt(abar_t) x^_0) / sqrt(1 - abar_t), the noise the clipped x^_0 leaves in x_t. Without
    clipping that is the predicted eps; with it, guidance's large eps cannot push x_s out of range (the
    unclipped eps at w = 3 took the agreement of this model's samples from 0.905 to 0.36, 200 samples)."""
    eps = (x - math.sqrt(a_t) * x0) / math.sqrt(1 - a_t)
    return math.sqrt(a_s) * x0 + math.sqrt(1 - a_s) * eps


def ddpm_step(x, x0, a_t, a_s, z):
    """Ancestral DDPM from t to the earlier s: a draw from q(x_s | x_t, x^_0), mean
    sqrt(abar_s) (1 - abar_t/abar_s) / (1 - abar_t) x^_0 + sqrt(abar_t/abar_s) (1 - abar_s) / (1 - abar_t) x_t,
    variance (1 - abar_s) / (1 - abar_t) (1 - abar_t/abar_s), with z ~ N(0, I). With s = t - 1 this is Ho et al.'s step."""
    alpha = a_t / a_s                       # abar_t / abar_s: the signal kept from s to t
    mean = (math.sqrt(a_s) * (1 - alpha) * x0 + math.sqrt(alpha) * (1 - a_s) * x) / (1 - a_t)
    return mean + math.sqrt((1 - a_s) / (1 - a_t) * (1 - alpha)) * z


@torch.no_grad()
def sample(net, noise, c, abar, steps=SAMPLE_STEPS, w=GUIDANCE, method=SAMPLER, step_noise=None, trace=None):
    """Draws images of classes c from the noise x_{tau_last} = `noise`, visiting timesteps(steps) from the
    last down. Every step: eps from the network (guided), x^_0 from eps, then the next x by DDIM or DDPM;
    after tau_0 = 0 the image is x^_0 (abar of "t = -1" is 1). DDPM's z for each step but the last come from
    `step_noise` (a list, in order) or torch.randn. `trace`, a list, receives (t, x_t, eps, x^_0) at every step."""
    taus = timesteps(steps)
    x = noise
    for i in reversed(range(len(taus))):
        t = taus[i]
        eps = guided_eps(net, x, t, c, w)
        x0 = predict_x0(x, eps, abar[t])
        if trace is not None:
            trace.append((t, x, eps, x0))
        if i == 0:
            return x0
        a_s = abar[taus[i - 1]]
        if method == "ddim":
            x = ddim_step(x, x0, abar[t], a_s)
        else:
            z = step_noise.pop(0) if step_noise is not None else torch.randn_like(x)
            x = ddpm_step(x, x0, abar[t], a_s, z)
# endregion sampler


def q_sample(x0, t, eps, abar):
    """The forward process in closed form: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps."""
    a = abar[t][:, None, None, None]
    return a.sqrt() * x0 + (1 - a).sqrt() * eps


def to_model(images_u8):
    """uint8 (N, 28, 28) -> float (N, 1, 32, 32) in [-1, 1], padded with the background value -1."""
    return F.pad(images_u8.float().div(127.5).sub(1).unsqueeze(1), (PAD,) * 4, value=-1.0)


def to_pixels(x):
    """Model images (N, 1, 32, 32) -> (N, 1, 28, 28) in [0, 1]: the padding cut away, as the widget shows them."""
    return ((x[..., PAD:SIZE - PAD, PAD:SIZE - PAD] + 1) / 2).clamp(0, 1)


def log(*parts):
    print(*parts, flush=True)


def train(net, ema, x, held, steps, save):
    """AdamW on the noise-prediction loss |eps - eps^(x_t, t, c)|^2 with random t, eps and dropped labels;
    an EMA of the weights after every step; save(history, seconds) at every held-out evaluation.
    Returns the history and the seconds spent."""
    images, labels = x
    abar = torch.tensor(cosine_schedule(), dtype=torch.float32)
    opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    lr_at = lambda s: LR * min((s + 1) / WARMUP, 0.5 * (1 + math.cos(math.pi * s / steps)))  # noqa: E731
    history, loss_sum, seen, start = [], 0.0, 0, time.time()
    order, pos = torch.randperm(len(images)), 0
    for step in range(steps):
        if pos + BATCH > len(images):
            order, pos = torch.randperm(len(images)), 0
        idx = order[pos:pos + BATCH]
        pos += BATCH
        x0, c = images[idx], labels[idx].clone()
        if FLIP:
            flip = torch.rand(len(x0)) < 0.5
            x0 = torch.where(flip[:, None, None, None], x0.flip(-1), x0)
        c[torch.rand(len(c)) < P_UNCOND] = NULL_CLASS
        t = torch.randint(0, T, (len(x0),))
        eps = torch.randn_like(x0)
        net.train()
        loss = F.mse_loss(net(q_sample(x0, t, eps, abar), t, c)[0], eps)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), GRAD_CLIP)
        opt.step()
        with torch.no_grad():
            decay = min(EMA_DECAY, (1 + step) / (10 + step))   # a short average while the weights move fast
            for pe, p in zip(ema.parameters(), net.parameters()):
                pe.mul_(decay).add_(p, alpha=1 - decay)
        loss_sum += loss.item()
        seen += 1
        done = step + 1
        if done % LOG_EVERY == 0 or done == steps:
            row = {"step": done, "loss": loss_sum / seen, "lr": lr_at(step), "seconds": round(time.time() - start, 1)}
            if done % EVAL_EVERY == 0 or done == steps:
                row["held_out_loss_ema"] = held_out_loss(ema, held, abar)
            history.append(row)
            log(format_row(row))
            if "held_out_loss_ema" in row:
                save(history, time.time() - start)
            loss_sum = seen = 0
    return history, time.time() - start


@torch.no_grad()
def held_out_loss(net, held, abar, batch=128):
    """The training loss on held-out test images, with timesteps, noise and classes fixed once (seeded)."""
    x0, t, eps, c = held
    net.eval()
    total = sum(F.mse_loss(net(q_sample(x0[i:i + batch], t[i:i + batch], eps[i:i + batch], abar), t[i:i + batch],
                               c[i:i + batch])[0], eps[i:i + batch], reduction="sum").item() for i in range(0, len(x0), batch))
    return total / eps.numel()


@torch.no_grad()
def classifier():
    """The shipped classifier that judges the samples (ResNet-20, read back from its ONNX file), as a function
    from model images (N, 1, 32, 32) to class probabilities: cropped to 28x28, normalised as its card says."""
    from resnet import Exported as ResNetExported, ResNet
    model = ResNetExported(ResNet(20))
    card = restore(os.path.join(HERE, "..", "public", "models", CLASSIFIER), model, (torch.zeros(1, 1, 28, 28),))
    model.eval()
    pre = card["graphs"][0]["inputs"][0]["preprocess"]
    mean, std = pre["mean"][0], pre["std"][0]
    judge = lambda x: torch.cat([model((to_pixels(x[i:i + 200]) - mean) / std)[0] for i in range(0, len(x), 200)])  # noqa: E731
    return judge, card


@torch.no_grad()
def generate(net, abar, per_class, steps, w, seed, batch=200):
    """per_class images of every class (class-major), from seeded noise, with the DDIM sampler."""
    g = torch.Generator().manual_seed(seed)
    c = torch.arange(CLASSES).repeat_interleave(per_class)
    noise = torch.randn(len(c), 1, SIZE, SIZE, generator=g)
    return torch.cat([sample(net, noise[i:i + batch], c[i:i + batch], abar, steps, w) for i in range(0, len(c), batch)]), c


def pairwise_mean(x):
    """Mean L2 distance over all pairs of distinct rows of x (N, D)."""
    d = torch.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")
    n = len(x)
    return (d.sum() / (n * (n - 1))).item()


def nearest(x, ref, batch=500):
    """For every row of x, the L2 distance to its nearest row of ref."""
    return torch.cat([torch.cdist(x[i:i + batch], ref).min(dim=1).values for i in range(0, len(x), batch)])


@torch.no_grad()
def quality(net, per_class, steps):
    """Generates per_class images of each class with the default sampler (DDIM, SAMPLE_STEPS, GUIDANCE) and
    again unguided (w = 1), and judges them with the shipped classifier: agreement with the class asked for,
    the classifier's probability of that class, diversity within a class, and distance to the training set."""
    net.eval()
    abar = cosine_schedule()
    start = time.time()
    x, c = generate(net, abar, per_class, steps, GUIDANCE, SEED + 2)
    x_u, _ = generate(net, abar, per_class, steps, 1.0, SEED + 2)      # the same noise, unguided
    judge, judge_card = classifier()
    probs, probs_u = judge(x), judge(x_u)
    agree, agree_u = probs.argmax(1) == c, probs_u.argmax(1) == c
    p_asked, p_asked_u = probs.gather(1, c[:, None])[:, 0], probs_u.gather(1, c[:, None])[:, 0]
    per = lambda v: [round(v[c == k].float().mean().item(), 4) for k in range(CLASSES)]  # noqa: E731

    train_u8, _ = fashion_mnist("train")
    test_u8, test_y = fashion_mnist("t10k")
    flat = lambda u8: u8.float().div(255).flatten(1)  # noqa: E731
    train_flat = torch.cat([flat(train_u8), flat(train_u8.flip(-1))])   # mirror images too: training flipped them
    test_idx = torch.cat([(test_y == k).nonzero().flatten()[:per_class] for k in range(CLASSES)])
    test_flat, test_c = flat(test_u8[test_idx]), test_y[test_idx]
    gen_flat = to_pixels(x).flatten(1)
    div_gen = [pairwise_mean(gen_flat[c == k]) for k in range(CLASSES)]
    div_test = [pairwise_mean(test_flat[test_c == k]) for k in range(CLASSES)]
    nn_gen, nn_test = nearest(gen_flat, train_flat), nearest(test_flat, train_flat)
    seconds = time.time() - start
    log(f"quality: {len(x)} samples at w {GUIDANCE} and w 1, {steps} DDIM steps, judged, in {seconds:.0f} s")
    metrics = {
        "classifier_agreement": round(agree.float().mean().item(), 4),
        "classifier_agreement_unguided": round(agree_u.float().mean().item(), 4),
        "classifier_confidence": round(p_asked.mean().item(), 4),
        "classifier_confidence_unguided": round(p_asked_u.mean().item(), 4),
        "diversity_samples": round(sum(div_gen) / CLASSES, 4),
        "diversity_test": round(sum(div_test) / CLASSES, 4),
        "nearest_train_median_samples": round(nn_gen.median().item(), 4),
        "nearest_train_median_test": round(nn_test.median().item(), 4),
        "quality_samples": len(x),
    }
    detail = {
        "classifier": {"slug": judge_card["slug"], "title": judge_card["title"], "file": f"public/models/{CLASSIFIER}/model.onnx",
                       "sha256": judge_card["graphs"][0]["sha256"], "test_accuracy": judge_card["metrics"]["test_accuracy"]},
        "sampler": {"method": "ddim", "eta": 0, "steps": steps, "guidance": GUIDANCE, "unguided_guidance": 1.0,
                    "clip_x0": True, "seed": SEED + 2, "per_class": per_class, "seconds": round(seconds, 1)},
        "per_class_agreement": per(agree), "per_class_agreement_unguided": per(agree_u),
        "per_class_confidence": per(p_asked),
        "per_class_diversity_samples": [round(v, 4) for v in div_gen],
        "per_class_diversity_test": [round(v, 4) for v in div_test],
        "note": {
            "en": f"{len(x)} images, {per_class} per class, drawn with DDIM (eta 0, {steps} steps, x^_0 clipped to [-1, 1]) at "
                  f"guidance w = {GUIDANCE} and again unguided (w = 1: the class alone, same noise), cropped to 28x28 and "
                  f"judged by the shipped {judge_card['title']['en']} (test accuracy {judge_card['metrics']['test_accuracy']}). "
                  "Agreement: share classified as the class asked for; confidence: the classifier's mean probability of "
                  "that class. Diversity: mean pairwise L2 distance (pixels in [0, 1], 28x28) between images of one "
                  f"class, averaged over classes, for the samples and for the first {per_class} test images of each class. "
                  "Memorisation: median L2 distance from each sample, and from each of those test images, to its nearest "
                  "training image or mirrored training image: a model that copied its training data would have samples "
                  "much nearer than test images.",
            "zh": f"共 {len(x)} 张图，每类 {per_class} 张，用 DDIM（eta 0，{steps} 步，x̂_0 截断到 [-1, 1]）在引导系数 w = {GUIDANCE} "
                  f"下生成，并用同样的噪声在无引导（w = 1：只用类别条件）下再生成一遍；裁剪回 28x28 后由已发布的 "
                  f"{judge_card['title']['zh']}（测试准确率 {judge_card['metrics']['test_accuracy']}）判别。一致率：被判为所要求类别的比例；"
                  "置信度：分类器给该类别的平均概率。多样性：同一类别图像两两之间的平均 L2 距离（像素取值 [0, 1]，28x28），"
                  f"对各类取平均，分别针对生成样本和每类前 {per_class} 张测试图像。记忆检查：每张样本、以及每张这些测试图像，"
                  "到最近的训练图像或其镜像的 L2 距离的中位数：若模型照抄训练数据，样本会比测试图像近得多。"},
    }
    return metrics, detail


def held_out_set(test_u8, test_y, n):
    g = torch.Generator().manual_seed(SEED + 1)
    return (to_model(test_u8[:n]), torch.randint(0, T, (n,), generator=g),
            torch.randn(n, 1, SIZE, SIZE, generator=g), test_y[:n])


def write_samples(out, test_u8, test_y):
    """samples.json: the first N_SAMPLES test images of each class, for the forward-process widget."""
    picks = sorted(i for k in range(CLASSES) for i in (test_y == k).nonzero().flatten()[:N_SAMPLES].tolist())
    write_json(os.path.join(out, "samples.json"), {
        "width": 28, "height": 28, "encoding": "base64 uint8, row-major",
        "to_model": {"pad": PAD, "pad_value": 0, "size": SIZE, "scale": "x = pixel / 127.5 - 1, in [-1, 1]"},
        "samples": [{"id": f"test-{i}", "test_index": i, "label": int(test_y[i]), "pixels": b64(test_u8[i].numpy())} for i in picks]})
    return picks


def golden_cases(x_test, y_test, abar):
    """Three cases: pure noise at t = T-1 asking for a dress; a test image noised to t = 500 with its class;
    and the browser's guided step, a batch of 2: one noised image (t = 250) with its class and with none."""
    g = torch.Generator().manual_seed(SEED + 3)
    noise = torch.randn(3, 1, SIZE, SIZE, generator=g)
    t500, t250 = torch.tensor([500]), torch.tensor([250, 250])
    x500 = q_sample(x_test[:1], t500, noise[1:2], abar)
    x250 = q_sample(x_test[1:2], t250[:1], noise[2:3], abar).repeat(2, 1, 1, 1)
    return [("noise t=999 class 3", (noise[:1], torch.tensor([T - 1]), torch.tensor([3]))),
            (f"test-0 t=500 class {int(y_test[0])}", (x500, t500, y_test[:1].clone())),
            (f"test-1 t=250 class {int(y_test[1])} and null", (x250, t250, torch.tensor([int(y_test[1]), NULL_CLASS])))]


def write_schedule(out, abar):
    """schedule.json: what the browser's sampler needs besides the network: abar_t for every t, and the defaults."""
    write_json(os.path.join(out, "schedule.json"), {
        "T": T, "kind": "cosine", "s": COSINE_S, "max_beta": MAX_BETA,
        "definition": "beta_t = min(1 - f(t+1)/f(t), max_beta), f(t) = cos^2(pi/2 (t/T + s)/(1 + s)); "
                      "alphas_cumprod[t] = prod_{i<=t} (1 - beta_i), t = 0..T-1 (float64)",
        "null_class": NULL_CLASS,
        "sampler": {"method": SAMPLER, "steps": SAMPLE_STEPS, "guidance": GUIDANCE, "clip_x0": True,
                    "timesteps": "tau_i = floor((T-1) i / (steps-1) + 1/2), i = 0..steps-1, visited from the last down",
                    "guidance_rule": "eps = eps_null + guidance (eps_class - eps_null)"},
        "alphas_cumprod": abar,
    })


def main():
    ap = arguments(__doc__, OUT)
    ap.add_argument("--export-only", action="store_true", help="export and measure the checkpoint of an earlier run")
    ap.add_argument("--steps", type=int, default=None, help=f"optimiser steps (default {STEPS}; 6 with --smoke)")
    ap.add_argument("--per-class", type=int, default=None, help=f"samples per class for the quality figures (default {QUALITY_PER_CLASS})")
    args = ap.parse_args()
    out = args.out
    torch.set_num_threads(int(os.environ.get("THREADS", os.cpu_count() or 1)))
    set_seed(SEED)
    steps = args.steps or (6 if args.smoke else STEPS)
    per_class = args.per_class or (2 if args.smoke else QUALITY_PER_CLASS)
    sample_steps = 4 if args.smoke else SAMPLE_STEPS
    n_train = 1024 if args.smoke else 60000    # the smoke run trains on the first 1,024 training images
    train_u8, train_y = fashion_mnist("train")
    test_u8, test_y = fashion_mnist("t10k")
    abar64 = cosine_schedule()
    abar = torch.tensor(abar64, dtype=torch.float32)
    x_test = to_model(test_u8[:2])

    net = UNet()
    ema = copy.deepcopy(net).requires_grad_(False)
    exported = Exported(ema)
    ckpt = os.path.join(CHECKPOINTS, f"diffusion{'-smoke' if args.smoke else ''}.pt")
    cases = golden_cases(x_test, test_y, abar)
    example = cases[2][1]
    created = None
    if args.from_shipped:
        shipped = restore(out, exported, example, file="denoiser.onnx")
        training, created = shipped["training"], shipped["created"]
    else:
        def save(history, seconds):
            os.makedirs(CHECKPOINTS, exist_ok=True)
            torch.save({"net": net.state_dict(), "ema": ema.state_dict(), "history": history, "seconds": seconds}, ckpt)

        if args.export_only:
            saved = torch.load(ckpt)
            ema.load_state_dict(saved["ema"])
            history, seconds = saved["history"], saved["seconds"]
        else:
            data = (to_model(train_u8[:n_train]), train_y[:n_train])
            held = held_out_set(test_u8, test_y, 64 if args.smoke else HELD_OUT)
            log(f"UNet {sum(p.numel() for p in net.parameters()):,} parameters; {steps} steps of batch {BATCH}, "
                f"{torch.get_num_threads()} thread(s); checkpoint {ckpt}")
            history, seconds = train(net, ema, data, held, steps, save)
            save(history, seconds)
        training = {"script": "training/diffusion.py", "steps": history[-1]["step"] if history else 0,
                    "batch_size": BATCH, "widths": list(WIDTHS), "freqs": FREQS, "emb": EMB, "groups": GROUPS, "heads": HEADS, "T": T, "schedule": "cosine",
                    "cosine_s": COSINE_S, "prediction": "eps", "loss": "mean squared error of the noise",
                    "p_uncond": P_UNCOND, "null_class": NULL_CLASS, "flip": FLIP, "lr": LR, "warmup": WARMUP,
                    "weight_decay": WEIGHT_DECAY, "grad_clip": GRAD_CLIP, "ema_decay": EMA_DECAY,
                    "optimizer": "AdamW, linear warm-up then cosine decay to 0", "train_images": n_train,
                    "seconds": round(seconds, 1), "seed": SEED, "smoke": args.smoke, "history": history}

    metrics, detail = quality(ema, per_class, sample_steps)
    log(format_row(metrics))
    log("per class agreement", detail["per_class_agreement"], "unguided", detail["per_class_agreement_unguided"])

    os.makedirs(out, exist_ok=True)
    write_samples(out, test_u8, test_y)
    write_schedule(out, abar64)
    batch = {0: "batch"}
    inputs = [Input("x", example[0], "state", dims=batch, label={"en": "noisy image x_t", "zh": "带噪图像 x_t"}),
              Input("t", example[1], "timestep", dims=batch, label={"en": "timestep t (0 … 999)", "zh": "时间步 t（0 … 999）"}),
              Input("class", example[2], "class_id", dims=batch, label={"en": "class (10: none, for guidance)",
                                                                       "zh": "类别（10：无类别，用于引导）"})]
    card = ship(out, {
        "slug": "diffusion",
        "title": {"en": "Diffusion model (DDPM, class-conditional)", "zh": "扩散模型（DDPM，类别条件）"},
        "widget": "diffusion-explorer",
        "architecture": f"DDPM noise predictor: UNet {'-'.join(map(str, WIDTHS))} at 32/16/8 with group norm, "
                        "self-attention at 8x8, timestep + class embeddings; cosine schedule, classifier-free guidance",
        "script": "training/diffusion.py",
        "labels": FASHION_LABELS,
        "metrics": metrics,
        "quality": detail,
        "sampler": {"method": SAMPLER, "steps": SAMPLE_STEPS, "guidance": GUIDANCE, "clip_x0": True,
                    "null_class": NULL_CLASS, "schedule": "schedule.json"},
        "samples": {"file": "samples.json"},
        "data": {**FASHION_SOURCE, "padding": f"28x28 padded to {SIZE}x{SIZE} with background (0), scaled to [-1, 1]"},
        "training": training,
        **({"created": created} if created else {}),
    }, [Graph("denoiser", exported, inputs, outputs(), cases)], files=("samples.json", "schedule.json"),
        export=not args.from_shipped,
        macs_runs=[(exported, tuple(t[:1] for t in example))],
        macs_what={"en": "one denoising step of one image (a guided step runs it twice, as a batch of 2)",
                   "zh": "对一张图像做一步去噪（带引导的一步运行两次，作为大小为 2 的批次）"})
    if args.from_shipped:
        for key, old in shipped["metrics"].items():
            if abs(card["metrics"][key] - old) > (0.01 if "agreement" in key or "confidence" in key else 0.02 * abs(old) + 1e-4):
                raise SystemExit(f"diffusion: metrics.{key} was {old}, is now {card['metrics'][key]}")
        print("diffusion: quality figures agree with the shipped card")
    print(f"wrote {out} ({sha256(os.path.join(out, 'denoiser.onnx'))[:12]})")


if __name__ == "__main__":
    main()
