#!/usr/bin/env python3
"""Golden values of the optimizers and learning-rate schedules, from PyTorch.

Run from the repository root:  python3 tests/golden/gen_optim.py  → tests/golden/optim.json

- Schedules: torch.optim.lr_scheduler's LinearLR warm-up (start factor 1/W over W steps) followed,
  in a SequentialLR, by CosineAnnealingLR(T_max = T - W) or MultiStepLR(milestones at 50 % and
  75 % of the remaining steps, gamma 0.1), or a constant rate; the rate of every step.
- Optimizers: a linear classifier logits = x @ W + b trained with cross-entropy for 6 steps by
  torch.optim.Adam (eps 1e-5, burn's default), torch.optim.SGD(momentum=0.9), and Lion written from
  the paper's update rule (Chen et al. 2023, Algorithm 2; weight decay 0), all in float32; W and b
  after every step.
"""
import json
import pathlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")


def schedule_rates(lr, kind, warm, total):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    span = total - warm
    if kind == "cosine":
        main = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=span)
    elif kind == "step":
        main = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(0.5 * span), int(0.75 * span)], gamma=0.1)
    else:
        main = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
    if warm > 0:
        first = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / warm, end_factor=1.0, total_iters=warm - 1)
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [first, main], milestones=[warm])
    else:
        sched = main
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


class Lion(torch.optim.Optimizer):
    """Lion from the paper's pseudo-code: c = b1*m + (1-b1)*g; p -= lr*sign(c); m = b2*m + (1-b2)*g."""

    def __init__(self, params, lr, betas=(0.9, 0.99)):
        super().__init__(params, dict(lr=lr, betas=betas))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                m = self.state[p].setdefault("m", torch.zeros_like(p))
                c = b1 * m + (1 - b1) * p.grad
                p.add_(torch.sign(c), alpha=-group["lr"])
                m.mul_(b2).add_(p.grad, alpha=1 - b2)


def optimizer_case(name, make, lr, rng):
    x = rng.normal(0, 1, (8, 6)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    w0 = rng.normal(0, 0.3, (6, 3)).astype(np.float32)
    b0 = rng.normal(0, 0.1, (3,)).astype(np.float32)
    w, b = torch.nn.Parameter(torch.tensor(w0)), torch.nn.Parameter(torch.tensor(b0))
    opt = make([w, b], lr)
    steps = []
    for _ in range(6):
        opt.zero_grad()
        F.cross_entropy(torch.tensor(x) @ w + b, torch.tensor(y)).backward()
        opt.step()
        steps.append({"w": w.detach().flatten().tolist(), "b": b.detach().tolist()})
    return {"name": name, "lr": lr, "x": x.flatten().tolist(), "labels": y.tolist(),
            "w0": w0.flatten().tolist(), "b0": b0.tolist(), "steps": steps}


def main():
    rng = np.random.default_rng(20261129)
    schedules = [{"kind": k, "warmup": wf, "total": t, "lr": 0.01,
                  "rates": schedule_rates(0.01, k, round(wf * t), t)}
                 for k in ["constant", "cosine", "step"] for wf, t in [(0.0, 40), (0.1, 40), (0.25, 17)]]
    optimizers = [
        optimizer_case("adam", lambda ps, lr: torch.optim.Adam(ps, lr=lr, eps=1e-5), 0.01, rng),
        optimizer_case("sgd", lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=0.9), 0.1, rng),
        optimizer_case("lion", lambda ps, lr: Lion(ps, lr=lr), 0.003, rng),
    ]
    out = pathlib.Path(__file__).with_name("optim.json")
    out.write_text(json.dumps({"generator": "tests/golden/gen_optim.py", "torch": torch.__version__,
                               "schedules": schedules, "optimizers": optimizers}))
    print(f"wrote {len(schedules)} schedules and {len(optimizers)} optimizers to {out}")


if __name__ == "__main__":
    main()
