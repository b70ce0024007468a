"""Loads a student exported from the page (or the CLI) into PyTorch and scores it on the MNIST or
Fashion-MNIST test set.  Usage: python3 tools/load_student.py FILE.safetensors [mnist|fashion]

Needs torch and safetensors (pip install torch safetensors). MLP students only; the file's
metadata says the architecture (`spec`, e.g. "mlp:128")."""

import gzip
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file


class Student(torch.nn.Module):
    """784 → hidden… → classes with ReLU, parameters named like the file: layers.{i}.weight/bias."""

    def __init__(self, widths):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:]))

    def forward(self, x):  # x: [batch, 784], grey levels / 255
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x


def load(path):
    with safe_open(path, "pt") as f:
        meta = f.metadata()
    spec = meta["spec"]
    tensors = load_file(path)
    # The class count: the file's metadata, or (files written before it was stored) the last bias.
    last = max(int(k.split(".")[1]) for k in tensors if k.endswith(".bias"))
    classes = int(meta.get("classes", tensors[f"layers.{last}.bias"].numel()))
    kind, _, widths = spec.partition(":")
    if kind != "mlp":
        raise SystemExit(f"{path}: {spec} is not an MLP")
    hidden = [int(w) for w in widths.split(",") if w]
    net = Student([784, *hidden, classes])
    net.load_state_dict(tensors)
    return net.eval()


def test_set(dataset):
    folder = {"mnist": "mnist", "fashion": "fashion-mnist"}[dataset]
    with gzip.open(f"www/data/{folder}/t10k-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"www/data/{folder}/t10k-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.tensor(images, dtype=torch.float32) / 255.0, torch.tensor(labels, dtype=torch.int64)


if __name__ == "__main__":
    net = load(sys.argv[1])
    x, y = test_set(sys.argv[2] if len(sys.argv) > 2 else "mnist")
    with torch.no_grad():
        predictions = net(x).argmax(1)
    errors = int((predictions != y).sum())
    print(f"test accuracy {100 * (1 - errors / len(y)):.2f} % ({errors} errors of {len(y)})")
