#!/usr/bin/env python3
"""PyTorch reference for the benchmark step (eager mode): the same workloads, loss and optimizer as
distill-lab's `bench` (src/train/bench.rs) and the TF.js step (www/bench/tfjs-step.js).

Each step uploads the batch's pixels, one-hot labels and teacher logits from host memory, runs the
student forward and backward, Hinton's loss (alpha 0.5, tau 4) and Adam (lr 1e-3). A chunk of 10
steps ends with one read back of the last loss, as ours does.

    python3 bench/torch_step.py --device cpu|cuda [--quick] [--seconds S] [--out FILE]
"""
import argparse
import json
import platform
import time

import torch
import torch.nn.functional as F

ALPHA, TAU, LR, CHUNK = 0.5, 4.0, 1e-3, 10
WORKLOADS = [("mlp-128-b64", "mlp:128", 64), ("mlp-800-800-b256", "mlp:800,800", 256),
             ("mlp-800-800-b1024", "mlp:800,800", 1024), ("cnn-8-16-64-b64", "cnn:8,16,64", 64)]


def student(spec):
    kind, widths = spec.split(":")
    widths = [int(w) for w in widths.split(",") if w]
    layers, width = [], 784
    if kind == "cnn":
        c1, c2, hidden = widths
        layers += [torch.nn.Unflatten(1, (1, 28, 28)),
                   torch.nn.Conv2d(1, c1, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                   torch.nn.Conv2d(c1, c2, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                   torch.nn.Flatten()]
        width, widths = 49 * c2, [hidden]
    for w in widths:
        layers += [torch.nn.Linear(width, w), torch.nn.ReLU()]
        width = w
    layers.append(torch.nn.Linear(width, 10))
    return torch.nn.Sequential(*layers)


def hinton(s, y, t):
    ce = -(y * F.log_softmax(s, 1)).sum(1).mean()
    kl = F.kl_div(F.log_softmax(s / TAU, 1), F.log_softmax(t / TAU, 1), reduction="batchmean", log_target=True)
    return ALPHA * ce + (1 - ALPHA) * TAU * TAU * kl


def measure(spec, batch, device, seconds):
    g = torch.Generator().manual_seed(1)
    batches = []
    for _ in range(4):
        x = torch.randint(0, 256, (batch, 784), generator=g).float() / 255
        y = F.one_hot(torch.randint(0, 10, (batch,), generator=g), 10).float()
        t = 3 * torch.randn(batch, 10, generator=g)
        batches.append((x, y, t))
    model = student(spec).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    step = 0

    def steps(n):
        nonlocal step
        loss = None
        for _ in range(n):
            x, y, t = (a.to(device) for a in batches[step % 4])
            step += 1
            opt.zero_grad(set_to_none=True)
            loss = hinton(model(x), y, t)
            loss.backward()
            opt.step()
        return loss.item()

    t0 = time.perf_counter()
    steps(2)
    first = time.perf_counter() - t0
    steps(CHUNK)
    done, last, t0 = 0, float("nan"), time.perf_counter()
    while time.perf_counter() - t0 < seconds and done < 3000:
        last = steps(CHUNK)
        done += CHUNK
    elapsed = time.perf_counter() - t0
    return {"steps": done, "seconds": elapsed, "stepsPerSecond": done / elapsed,
            "firstChunkSeconds": first, "lastLoss": last}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seconds", type=float)
    p.add_argument("--out")
    a = p.parse_args()
    seconds = a.seconds or (1.5 if a.quick else 4.0)
    device = torch.device(a.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    rows = []
    for wname, spec, batch in WORKLOADS[:2] if a.quick else WORKLOADS:
        r = measure(spec, batch, device, seconds)
        rows.append({"backend": f"torch-{device.type}", "workload": wname, "student": spec, "batch": batch, **r})
        print(f"torch-{device.type:<6} {wname:<22} {r['stepsPerSecond']:9.1f} steps/s")
    doc = {"bench": f"torch-{device.type}", "torch": torch.__version__, "device": name,
           "threads": torch.get_num_threads(), "step": {"alpha": ALPHA, "tau": TAU, "optimizer": "adam", "lr": LR},
           "rows": rows}
    if a.out:
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
