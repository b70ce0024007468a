#!/usr/bin/env python3
"""Generates the golden values of the distillation losses with PyTorch.

Run from the repository root:  python3 tests/golden/gen.py
Writes tests/golden/hinton.json. Inputs are drawn with a fixed seed, rounded to float32 (what
the Rust side sees), and the reference loss and its gradient with respect to the student logits
are computed in float64 with PyTorch's own functions:

    L = alpha * cross_entropy(s, y)
        + (1 - alpha) * tau**2 * kl_div(log_softmax(s / tau), log_softmax(t / tau),
                                        reduction="batchmean", log_target=True)
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F


def hinton(s, t, y, alpha, tau):
    ce = F.cross_entropy(s, y)
    kl = F.kl_div(F.log_softmax(s / tau, dim=1), F.log_softmax(t / tau, dim=1),
                  reduction="batchmean", log_target=True)
    return alpha * ce + (1 - alpha) * tau ** 2 * kl


def case(rng, batch, alpha, tau, scale, name):
    classes = 10
    s = rng.normal(0, scale, (batch, classes)).astype(np.float32)
    t = rng.normal(0, scale, (batch, classes)).astype(np.float32)
    if scale >= 50:
        # Extreme logits: saturate to exactly +-50 with a random sign pattern.
        s = np.where(rng.random((batch, classes)) < 0.5, -50.0, 50.0).astype(np.float32)
        t = np.clip(t, -50, 50).astype(np.float32)
        t[:, 0] = 50.0
    y = rng.integers(0, classes, batch)
    st = torch.tensor(s, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.long)
    loss = hinton(st, tt, yt, alpha, tau)
    loss.backward()
    return {
        "name": name, "batch": batch, "classes": classes, "alpha": alpha, "tau": tau,
        "student": s.flatten().tolist(), "teacher": t.flatten().tolist(), "labels": y.tolist(),
        "loss": loss.item(), "grad": st.grad.flatten().tolist(),
    }


def main():
    rng = np.random.default_rng(20261128)
    cases = []
    for alpha in [0.0, 0.1, 0.5, 0.9, 1.0]:
        for tau in [0.5, 1.0, 2.0, 4.0, 8.0, 20.0]:
            batch = [1, 3, 16, 64][len(cases) % 4]
            cases.append(case(rng, batch, alpha, tau, 3.0, f"a{alpha}-t{tau}-b{batch}"))
    for alpha in [0.0, 0.5]:
        for tau in [0.5, 1.0, 4.0, 20.0]:
            cases.append(case(rng, 8, alpha, tau, 50.0, f"extreme-a{alpha}-t{tau}"))
    out = pathlib.Path(__file__).with_name("hinton.json")
    out.write_text(json.dumps({"generator": "tests/golden/gen.py", "torch": torch.__version__,
                               "cases": cases}))
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
