#!/usr/bin/env python3
"""Golden values of the relation-based losses CCKD and SP, written from the papers' formulas with PyTorch.

Run from the repository root:  python3 tests/golden/gen_relational.py  → tests/golden/relational.json
Inputs are drawn with a fixed seed and rounded to float32 (what the Rust side sees); each loss, the
student's correlation/similarity matrix and the gradient with respect to the student features are
computed in float64. The teacher is a constant (no gradient).

- CCKD, correlation congruence (Peng et al., ICCV 2019). Each row is L2-normalised, then the
  Gaussian RBF kernel exp(-gamma*||x - y||^2) = exp(-2*gamma) * exp(2*gamma * x.y) (unit rows) is
  replaced by its Taylor series to order P:
      K_ij = exp(-2*gamma) * sum_{p=0..P} (2*gamma)^p / p! * (x_i . x_j)^p,
  and the loss is ||K_s - K_t||_F^2 / b^2 (the mean over the b x b entries). Defaults gamma = 0.4,
  P = 2. The script also checks that at a high order the series reaches the exact kernel.
- SP, similarity preserving (Tung & Mori, ICCV 2019): G = F F^T of the flattened features with
  each row L2-normalised; the loss is ||G_s - G_t||_F^2 / b^2.

Numerical guard (ours, the same in src/distill/{cckd,sp}.rs): a row is divided by
max(||v||, 1e-12), PyTorch's F.normalize; a row of norm <= 1e-12 (an all-zero feature vector, as a
dead ReLU layer gives) has no direction, so its normalised row is 0 and it gets no gradient through
the normalisation. (Plain F.normalize gives the same value but a gradient of order 1e10 there.)

Cross-checks against torchdistill (`pip install torchdistill`; skipped with a note if it does not
import), all in float64, |ours - theirs| <= 1e-9 * max(1, |theirs|):
- SPKDLoss(reduction='batchmean') differs in one definitional way: torchdistill 1.1.5 calls
  normalize(G, 1), whose second argument is p, not dim, so it normalises the rows of G by their L1
  norm. We follow the paper's L2 rows (as does RepDistiller's SP, which its authors marked as
  verified by the paper's author). Checked: (1) as installed, its value equals our formula with L1
  rows; (2) with its normalize given p = 2 (patched for the duration of the call), its value and
  gradient equal ours, except the gradient of the case with an all-zero student row (the guard
  above; theirs is of order 1e10 there).
- CCKDLoss(kernel gaussian, reduction='batchmean') differs in two definitional ways: (1) it does
  not normalise its input (torchdistill feeds it the output of a learnable Linear4CCKD embedding),
  so it is given our normalised rows; its correlation matrix must then equal ours; (2) it returns
  the Frobenius norm, not its square, over b^2: torch.dist(K_s, K_t) / b^2. We follow the paper's
  squared difference (and the mean squared error of AberHu's Knowledge-Distillation-Zoo cc.py), so
  ours = theirs^2 * b^2 and d ours = 2 * theirs * b^2 * d theirs (the gradient is compared where
  theirs > 0). torchdistill cannot take P = 0 (its series is then the int 1): that case is skipped.
The measured largest differences are printed.
"""
import contextlib
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-12
TOL = 1e-9


def unit_rows(x):
    """x / max(||x||, 1e-12) per row; a row of norm <= 1e-12 gives 0 and no gradient."""
    sq = (x * x).sum(1, keepdim=True)
    keep = (sq > EPS * EPS).to(x.dtype)
    return x / sq.clamp(min=EPS * EPS).sqrt() * keep


def cc_matrix(f, gamma, order):
    s = unit_rows(f) @ unit_rows(f).t()
    k = sum((2 * gamma) ** p / math.factorial(p) * s ** p for p in range(order + 1))
    return math.exp(-2 * gamma) * k


def cckd(s, t, gamma, order):
    d = cc_matrix(s, gamma, order) - cc_matrix(t, gamma, order)
    return (d * d).sum() / s.shape[0] ** 2


def sp_matrix(f):
    return unit_rows(f @ f.t())


def sp(s, t):
    d = sp_matrix(s) - sp_matrix(t)
    return (d * d).sum() / s.shape[0] ** 2


def f32(rng, shape, scale=1.0):
    return rng.normal(0, scale, shape).astype(np.float32)


def t64(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


def record(name, loss, student, teacher, params, fn, matrix_fn):
    s = t64(student, True)
    value = fn(s, t64(teacher))
    value.backward()
    with torch.no_grad():
        matrix = matrix_fn(t64(student))
    return {"name": name, "loss": loss, "params": params, "student": student.flatten().tolist(),
            "shape": list(student.shape), "inputs": {"teacher": teacher.flatten().tolist()},
            "shapes": {"teacher": list(teacher.shape)}, "value": value.item(),
            "grad": s.grad.flatten().tolist(), "matrix": matrix.flatten().tolist()}


def features(rng, b, ds, dt, kind, scale):
    """Student and teacher rows; `kind` makes the edge cases."""
    s, t = f32(rng, (b, ds), scale), f32(rng, (b, dt), scale)
    if kind == "relu":
        s, t = np.maximum(s, 0), np.maximum(t, 0)
    elif kind == "same-rows":
        s[:] = s[0]
    elif kind == "zero":
        s[:] = 0
    elif kind == "zero-row":
        s[1] = 0
    return s, t


CASES = [  # (batch, student width, teacher width, kind, scale)
    (16, 8, 32, "normal", 1.0), (1, 4, 6, "normal", 1.0), (2, 3, 5, "normal", 1.0),
    (7, 12, 12, "relu", 1.0), (16, 64, 128, "relu", 1.0), (5, 6, 4, "same-rows", 1.0),
    (4, 5, 7, "zero", 1.0), (6, 5, 9, "zero-row", 1.0), (8, 10, 20, "normal", 1e3),
    (8, 10, 20, "normal", 1e-3),
]


def close(a, b):
    return abs(a - b) <= TOL * max(1.0, abs(b))


def sp_lp(s, t, p):
    """SP with rows normalised by F.normalize(p=p) (no guard): what torchdistill computes with p = 1."""
    d = F.normalize(s @ s.t(), p=p, dim=1) - F.normalize(t @ t.t(), p=p, dim=1)
    return (d * d).sum() / s.shape[0] ** 2


@contextlib.contextmanager
def l2_rows(module):
    """Within: torchdistill's `normalize(G, 1)` (p = 1) normalises with p = 2, along dim 1."""
    original = module.normalize
    module.normalize = lambda x, _p: F.normalize(x, p=2, dim=1)
    try:
        yield
    finally:
        module.normalize = original


def torchdistill_checks(cases, inputs):
    """Compare with torchdistill's CCKDLoss and SPKDLoss; returns the largest differences seen."""
    try:
        from torchdistill.losses import mid_level
        from torchdistill.losses.mid_level import CCKDLoss, SPKDLoss
    except Exception as e:  # noqa: BLE001 - any import failure only skips the cross-check
        print(f"torchdistill not importable ({e}); cross-check skipped")
        return None
    worst = {"cckd matrix": 0.0, "cckd value": 0.0, "cckd grad": 0.0, "sp value": 0.0, "sp grad": 0.0,
             "sp as installed vs our formula with L1 rows": 0.0}
    for case in cases:
        s_np, t_np = inputs[case["name"]]
        b = s_np.shape[0]
        s = t64(s_np, True)
        if case["loss"] == "sp":
            # As installed: rows L1-normalised. Same value as our formula with p = 1 in place of 2.
            theirs = SPKDLoss("s", "t", reduction="batchmean")({"s": {"output": s}}, {"t": {"output": t64(t_np)}})
            l1 = sp_lp(s.detach(), t64(t_np), 1).item()
            assert close(l1, theirs.item()), (case["name"], l1, theirs.item())
            worst["sp as installed vs our formula with L1 rows"] = max(
                worst["sp as installed vs our formula with L1 rows"], abs(l1 - theirs.item()))
            # With its normalize call given p = 2 (the paper's L2 rows): value and gradient equal ours.
            with l2_rows(mid_level):
                theirs = SPKDLoss("s", "t", reduction="batchmean")({"s": {"output": s}},
                                                                   {"t": {"output": t64(t_np)}})
            theirs.backward()
            d = abs(theirs.item() - case["value"])
            assert close(case["value"], theirs.item()), (case["name"], d)
            worst["sp value"] = max(worst["sp value"], d)
            if "zero-row" not in case["name"]:
                for g, w in zip(s.grad.flatten().tolist(), case["grad"]):
                    assert close(w, g), (case["name"], g, w)
                    worst["sp grad"] = max(worst["sp grad"], abs(g - w))
            continue
        gamma, order = case["params"]["gamma"], case["params"]["order"]
        if order == 0:  # torchdistill's series starts at the int 1 and fails without a p >= 1 term
            continue
        loss = CCKDLoss("s", "t", {"type": "gaussian", "gamma": gamma, "max_p": order}, reduction="batchmean")
        ks = loss.compute_cc_mat_by_gaussian_rbf(unit_rows(s))
        for a, w in zip(ks.flatten().tolist(), case["matrix"]):
            assert close(w, a), (case["name"], a, w)
            worst["cckd matrix"] = max(worst["cckd matrix"], abs(a - w))
        theirs = loss({"s": {"output": unit_rows(s)}}, {"t": {"output": unit_rows(t64(t_np))}})
        mapped = theirs.item() ** 2 * b ** 2
        assert close(case["value"], mapped), (case["name"], mapped, case["value"])
        worst["cckd value"] = max(worst["cckd value"], abs(mapped - case["value"]))
        if theirs.item() > 1e-6:
            theirs.backward()
            for g, w in zip((2 * theirs.item() * b ** 2 * s.grad).flatten().tolist(), case["grad"]):
                assert close(w, g), (case["name"], g, w)
                worst["cckd grad"] = max(worst["cckd grad"], abs(g - w))
    return worst


def main():
    rng = np.random.default_rng(20261130)
    cases, inputs = [], {}
    # CCKD at the defaults over all shapes and edge cases, then other (gamma, P).
    runs = [(c, 0.4, 2) for c in CASES] + [((7, 12, 12, "relu", 1.0), 1.0, 4), ((9, 6, 8, "normal", 1.0), 0.1, 1),
                                          ((5, 3, 3, "normal", 1.0), 0.4, 0)]
    for i, ((b, ds, dt, kind, scale), gamma, order) in enumerate(runs):
        s, t = features(rng, b, ds, dt, kind, scale)
        name = f"cckd-{i}-b{b}-{kind}-x{scale:g}-g{gamma}-p{order}"
        inputs[name] = (s, t)
        cases.append(record(name, "cckd", s, t, {"gamma": gamma, "order": order},
                            lambda st, tt, g=gamma, o=order: cckd(st, tt, g, o),
                            lambda st, g=gamma, o=order: cc_matrix(st, g, o)))
    for i, (b, ds, dt, kind, scale) in enumerate(CASES + [(3, 196, 392, "relu", 1.0)]):
        s, t = features(rng, b, ds, dt, kind, scale)
        name = f"sp-{i}-b{b}-{kind}-x{scale:g}"
        inputs[name] = (s, t)
        cases.append(record(name, "sp", s, t, {}, sp, sp_matrix))

    # The series is the RBF kernel's: at order 30 it equals exp(-gamma ||x - y||^2) on unit rows.
    x = unit_rows(t64(f32(rng, (6, 5))))
    exact = torch.exp(-0.4 * torch.cdist(x, x) ** 2)
    assert (cc_matrix(x, 0.4, 30) - exact).abs().max() < 1e-12

    worst = torchdistill_checks(cases, inputs)
    if worst is not None:
        import torchdistill
        print(f"torchdistill {torchdistill.__version__}: largest |ours - theirs| "
              + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))
    out = pathlib.Path(__file__).with_name("relational.json")
    out.write_text(json.dumps({"generator": "tests/golden/gen_relational.py", "torch": torch.__version__,
                               "cases": cases}))
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
