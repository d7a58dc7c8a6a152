"""Offline datasets that Debian packages ship, loaded as uint8 tensors."""
import gzip
import os

import numpy as np
import torch

FASHION_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")

FASHION_SOURCE = {
    "name": "Fashion-MNIST",
    "package": "dataset-fashion-mnist (Debian)",
    "path": FASHION_DIR,
    "license": "MIT (Expat), Copyright 2017 Zalando SE",
    "train_size": 60000,
    "test_size": 10000,
}

# Class names in the order of the dataset's label ids.
FASHION_LABELS = {
    "en": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "zh": ["T恤/上衣", "裤子", "套头衫", "连衣裙", "外套",
           "凉鞋", "衬衫", "运动鞋", "包", "短靴"],
}


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(split):
    """Returns (images uint8 (N, 28, 28), labels int64 (N,)) for split 'train' or 't10k' (the test set)."""
    if not os.path.isdir(FASHION_DIR):
        raise SystemExit(f"{FASHION_DIR} is missing: apt-get install dataset-fashion-mnist")
    images = _read_idx(os.path.join(FASHION_DIR, f"{split}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(FASHION_DIR, f"{split}-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))
