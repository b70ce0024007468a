#!/usr/bin/env python3
"""Golden values of the method zoo's losses, written from the papers' formulas with PyTorch.

Run from the repository root:  python3 tests/golden/gen_zoo.py  → tests/golden/zoo.json
Inputs are drawn with a fixed seed and rounded to float32 (what the Rust side sees); the loss and
its gradient with respect to the student input are computed in float64.

- DKD (Zhao et al. 2022), as in the authors' mdistiller `dkd_loss`: binary target/others KL
  (TCKD) and the KL over non-target classes after masking the target with -1000 (NCKD), both
  times tau^2 and averaged over the batch; alpha*TCKD + beta*NCKD.
- RKD (Park et al. 2019), as in the authors' code: pdist with squared distances clamped at 1e-12,
  diagonal zeroed, divided by the mean over pairs; angles of F.normalize'd difference vectors;
  smooth_l1 (mean). A batch of one has no pairs: we define the distance loss as 0 there.
- Attention transfer (Zagoruyko & Komodakis 2017), the authors' `at_loss`:
  (normalize(x.pow(2).mean(1).view(b, -1)) - same(y)).pow(2).mean().
- FitNets hint: MSE (mean) between a linear regressor of the student feature and the teacher's.
- Hinton with one temperature per example: alpha*CE + (1-alpha)*mean_i tau_i^2 *
  KL(softmax(t_i/tau_i) || softmax(s_i/tau_i)).
- Multi-teacher: tau^2 * KL(q || softmax(s/tau)), q the mean of the teachers' softened outputs or
  their mix weighted per example by each teacher's top-1 probability at tau = 1.
- Fake quantization (Jacob et al. 2018) with PyTorch's own torch.fake_quantize_per_tensor_affine
  and torch.fake_quantize_per_channel_affine, whose gradient is the straight-through estimator
  masked to the representable range. Activations: unsigned, scale max(x)/(2^b-1); weights:
  symmetric per output channel, scale max|w_c|/(2^(b-1)-1); scales at least float32 eps. These
  run in float32, as the ops require. Quantization-aware distillation: Hinton's loss on the
  logits of a fake-quantized linear layer.
- Adversarial distillation: a discriminator relu(softmax(z/tau) @ W1 + b1) @ W2 + b2; the student's
  term BCE-with-logits(D(s), 1) plus the discriminator's BCE(D(t), 1) + BCE(D(s.detach()), 0)
  (F.binary_cross_entropy_with_logits, mean); the gradient reaches s only through the first.
- Progressive layer-wise pairs: mean((A(s) - t)^2) on 7x7-pooled features, per position for conv->conv.
- Feature statistics (DeepInversion, Yin et al. 2020): sum over layers of ||batch mean - mu|| + ||batch var - var||.
- Data-free (DAFL, Chen et al. 2019): the generator's loss CE(t, argmax t) - 0.1*mean|f| + 5*sum(p log p),
  p the batch mean of softmax(t) (clamped at 1e-12 inside the log); gradients with respect to the teacher
  logits (features constant) and to the features (logits constant).
- FSP (Yim et al. 2017): G = a.view(b, c1, hw) @ b.view(b, c2, hw)^T / hw; the loss is the squared
  difference of student and teacher matrices, summed over entries and averaged over the batch.
"""
import json
import pathlib

import numpy as np
import torch
import torch.nn.functional as F


def dkd(s, t, y, alpha, beta, tau):
    gt = F.one_hot(y, s.shape[1]).to(s.dtype)
    ps, pt = F.softmax(s / tau, dim=1), F.softmax(t / tau, dim=1)
    bs = torch.stack([(ps * gt).sum(1), (ps * (1 - gt)).sum(1)], 1)
    bt = torch.stack([(pt * gt).sum(1), (pt * (1 - gt)).sum(1)], 1)
    tckd = F.kl_div(torch.log(bs), bt, reduction="sum") * tau ** 2 / s.shape[0]
    pt2 = F.softmax(t / tau - 1000.0 * gt, dim=1)
    ls2 = F.log_softmax(s / tau - 1000.0 * gt, dim=1)
    nckd = F.kl_div(ls2, pt2, reduction="sum") * tau ** 2 / s.shape[0]
    return alpha * tckd + beta * nckd


def pdist(e, eps=1e-12):
    sq = e.pow(2).sum(1)
    res = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * e @ e.t()).clamp(min=eps).sqrt().clone()
    res[range(len(e)), range(len(e))] = 0
    return res


def rkd_distance(s, t):
    if s.shape[0] < 2:
        return (s * 0).sum()
    with torch.no_grad():
        td = pdist(t)
        td = td / td[td > 0].mean()
    d = pdist(s)
    d = d / d[d > 0].mean()
    return F.smooth_l1_loss(d, td, reduction="mean")


def angles(e):
    diff = e.unsqueeze(0) - e.unsqueeze(1)
    unit = F.normalize(diff, p=2, dim=2)
    return torch.bmm(unit, unit.transpose(1, 2)).view(-1)


def rkd_angle(s, t):
    with torch.no_grad():
        ta = angles(t)
    return F.smooth_l1_loss(angles(s), ta, reduction="mean")


def at(x):
    return F.normalize(x.pow(2).mean(1).view(x.size(0), -1))


def attention(s, t):
    return (at(s) - at(t)).pow(2).mean()


def multi(s, teachers, tau, how):
    soft = [F.softmax(t / tau, dim=1) for t in teachers]
    if how == "average":
        q = sum(soft) / len(soft)
    else:
        conf = [F.softmax(t, dim=1).max(1, keepdim=True).values for t in teachers]
        total = sum(conf)
        q = sum(p * c / total for p, c in zip(soft, conf))
    return F.kl_div(F.log_softmax(s / tau, dim=1), q, reduction="batchmean") * tau ** 2


def hinton_per_example(s, t, y, alpha, taus):
    ce = F.cross_entropy(s, y)
    kl = F.kl_div(F.log_softmax(s / taus, dim=1), F.log_softmax(t / taus, dim=1),
                  reduction="none", log_target=True).sum(1, keepdim=True)
    return alpha * ce + (1 - alpha) * (kl * taus ** 2).mean()


EPS = float(np.finfo(np.float32).eps)


def fq_act(x, bits):
    levels = 2 ** bits - 1
    scale = (x.detach().max().clamp(min=0) / levels).clamp(min=EPS).reshape(1)
    return torch.fake_quantize_per_tensor_affine(x, scale, torch.zeros(1, dtype=torch.int32), 0, levels)


def fq_weight(w, bits, axis):
    levels = 2 ** (bits - 1) - 1
    dims = [d for d in range(w.dim()) if d != axis]
    scale = (w.detach().abs().amax(dim=dims) / levels).clamp(min=EPS)
    zero = torch.zeros(w.shape[axis], dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(w, scale, zero, axis, -levels, levels)


def hinton(s, t, y, alpha, tau):
    kl = F.kl_div(F.log_softmax(s / tau, dim=1), F.log_softmax(t / tau, dim=1),
                  reduction="batchmean", log_target=True)
    return alpha * F.cross_entropy(s, y) + (1 - alpha) * tau ** 2 * kl


def fsp(a, b):
    n, c1, h, w = a.shape
    return a.reshape(n, c1, h * w) @ b.reshape(n, b.shape[1], h * w).transpose(1, 2) / (h * w)


def fsp_loss(gs, gt):
    return (gs - gt).pow(2).sum() / gs.shape[0]


def disc(z, tau, w1, b1, w2, b2):
    return F.relu(F.softmax(z / tau, dim=1) @ w1 + b1) @ w2 + b2


def adversarial(s, t, tau, w1, b1, w2, b2):
    d = lambda z: disc(z, tau, w1, b1, w2, b2)
    bce = F.binary_cross_entropy_with_logits
    ds, dt, dsd = d(s), d(t), d(s.detach())
    return bce(ds, torch.ones_like(ds)) + bce(dt, torch.ones_like(dt)) + bce(dsd, torch.zeros_like(dsd))


def dafl(t, f, a=0.1, b=5.0):
    one_hot = F.cross_entropy(t, t.argmax(1))
    activation = -f.abs().sum() / f.numel()
    p = F.softmax(t, dim=1).mean(0)
    return one_hot + a * activation + b * (p * torch.log(p.clamp(min=1e-12))).sum()


def feature_stats(maps, hidden, targets):
    """DeepInversion's R_feature: per-channel batch mean and (biased) variance against targets."""
    rows = [maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1]), hidden]
    total = 0
    for x, (mu, var) in zip(rows, targets):
        total = total + torch.linalg.vector_norm(x.mean(0) - mu) \
            + torch.linalg.vector_norm(x.var(0, unbiased=False) - var)
    return total


def to7(x):
    return F.avg_pool2d(x, x.shape[2] // 7) if x.shape[2] > 7 else x


def progressive(s, t, w, b):
    """One layer pair: conv->conv per position (1x1 adapter), otherwise flattened 7x7 vectors; mean squared error."""
    if s.dim() == 4 and t.dim() == 4:
        s, t = to7(s).permute(0, 2, 3, 1).reshape(-1, s.shape[1]), to7(t).permute(0, 2, 3, 1).reshape(-1, t.shape[1])
    else:
        s = to7(s).reshape(s.shape[0], -1) if s.dim() == 4 else s
        t = to7(t).reshape(t.shape[0], -1) if t.dim() == 4 else t
    return ((s @ w + b - t) ** 2).mean()


def f32(rng, shape, scale=1.0):
    return (rng.normal(0, scale, shape)).astype(np.float32)


def record(name, loss, student, params, inputs, fn, dtype=torch.float64):
    """One case: fn's value at the student input and its gradient (float64 unless the ops need float32)."""
    s = torch.tensor(student, dtype=dtype, requires_grad=True)
    value = fn(s)
    value.backward()
    return {"name": name, "loss": loss, "params": params, "student": student.flatten().tolist(),
            "shape": list(student.shape), "inputs": {k: v.flatten().tolist() for k, v in inputs.items()},
            "shapes": {k: list(v.shape) for k, v in inputs.items()},
            "value": value.item(), "grad": s.grad.flatten().tolist()}


def record32(name, loss, student, params, inputs, fn):
    """Like record, in float32 (the fake-quantization ops take no float64)."""
    return record(name, loss, student, params, inputs, fn, torch.float32)


def t64(a):
    return torch.tensor(a, dtype=torch.float64)


def main():
    rng = np.random.default_rng(20261128)
    cases = []
    # DKD: temperatures, alpha/beta, batch of one, extreme logits.
    for i, (b, tau, alpha, beta, scale) in enumerate([
            (16, 4.0, 1.0, 8.0, 3.0), (1, 1.0, 1.0, 8.0, 3.0), (8, 0.5, 0.5, 2.0, 3.0),
            (32, 20.0, 1.0, 1.0, 3.0), (4, 2.0, 2.0, 0.0, 3.0), (8, 1.0, 1.0, 8.0, 50.0), (8, 4.0, 1.0, 8.0, 50.0)]):
        s, t = f32(rng, (b, 10), scale), f32(rng, (b, 10), scale)
        if scale >= 50:
            s = np.clip(s, -50, 50).astype(np.float32)
            t = np.clip(t, -50, 50).astype(np.float32)
        y = rng.integers(0, 10, b)
        cases.append(record(f"dkd-{i}-b{b}-t{tau}", "dkd", s, {"alpha": alpha, "beta": beta, "tau": tau},
                            {"teacher": t, "labels": y.astype(np.float32)},
                            lambda st: dkd(st, t64(t), torch.tensor(y), alpha, beta, tau)))
    # RKD: different widths, batch of one and two, constant (identical) embeddings.
    for i, (b, ds, dt, const) in enumerate([(8, 16, 32, False), (1, 4, 4, False), (2, 3, 5, False),
                                           (16, 8, 8, False), (5, 4, 6, True)]):
        s, t = f32(rng, (b, ds)), f32(rng, (b, dt))
        if const:
            s[:] = s[0]
        for kind, fn in [("rkd_distance", rkd_distance), ("rkd_angle", rkd_angle)]:
            cases.append(record(f"{kind}-{i}-b{b}", kind, s, {}, {"teacher": t},
                                lambda st, fn=fn: fn(st, t64(t))))
    # Attention transfer: channels differ, resolutions match; a constant (all-zero) student map.
    for i, (b, cs, ct, h, zero) in enumerate([(4, 8, 16, 7, False), (1, 3, 5, 4, False), (2, 4, 4, 14, True)]):
        s, t = f32(rng, (b, cs, h, h)), f32(rng, (b, ct, h, h))
        if zero:
            s[:] = 0
        cases.append(record(f"attention-{i}-b{b}", "attention", s, {}, {"teacher": t},
                            lambda st: attention(st, t64(t))))
    # FitNets hint with its regressor.
    for i, (b, ds, dt) in enumerate([(8, 16, 32), (1, 5, 3)]):
        s, t = f32(rng, (b, ds)), f32(rng, (b, dt))
        w, bias = f32(rng, (ds, dt), 0.3), f32(rng, (dt,), 0.1)
        cases.append(record(f"hint-{i}-b{b}", "hint", s, {}, {"teacher": t, "weight": w, "bias": bias},
                            lambda st: F.mse_loss(st @ t64(w) + t64(bias), t64(t))))
    # Multi-teacher: two and three teachers, both combinations, an extreme teacher.
    for i, (b, k, tau, how, scale) in enumerate([(8, 2, 4.0, "average", 3.0), (8, 2, 4.0, "confidence", 3.0),
                                                (1, 3, 1.0, "confidence", 3.0), (16, 3, 20.0, "average", 3.0),
                                                (4, 2, 2.0, "confidence", 30.0)]):
        s = f32(rng, (b, 10), 3.0)
        ts = [f32(rng, (b, 10), scale) for _ in range(k)]
        inputs = {f"teacher{j}": ts[j] for j in range(k)}
        cases.append(record(f"multi-{how}-{i}-b{b}", "multi", s, {"tau": tau, "combine": how, "teachers": k},
                            inputs, lambda st: multi(st, [t64(x) for x in ts], tau, how)))
    # Hinton with per-example temperatures (the entropy-matched schedule), incl. extreme logits.
    for i, (b, alpha, scale) in enumerate([(8, 0.5, 3.0), (1, 0.0, 3.0), (16, 0.1, 50.0)]):
        s, t = f32(rng, (b, 10), scale), f32(rng, (b, 10), scale)
        if scale >= 50:
            s, t = np.clip(s, -50, 50).astype(np.float32), np.clip(t, -50, 50).astype(np.float32)
        y = rng.integers(0, 10, b)
        taus = np.exp(rng.uniform(np.log(0.5), np.log(20), (b, 1))).astype(np.float32)
        cases.append(record(f"hinton-per-example-{i}-b{b}", "hinton_per_example", s, {"alpha": alpha},
                            {"teacher": t, "labels": y.astype(np.float32), "taus": taus},
                            lambda st: hinton_per_example(st, t64(t), torch.tensor(y), alpha, t64(taus))))
    # Fake quantization: the loss is sum(fq(x) * g), so the gradient is g masked by the STE.
    # Activations at 8 and 4 bits, with negative inputs (clipped: no gradient) and an all-zero one.
    for i, (shape, bits, zero) in enumerate([((8, 16), 8, False), ((4, 6), 4, False), ((3, 5), 8, True)]):
        x = f32(rng, shape)
        if zero:
            x[:] = 0
        g = f32(rng, shape)
        cases.append(record32(f"fake-quant-act-{i}-{bits}bit", "fake_quant_act", x, {"bits": bits},
                              {"upstream": g}, lambda xs: (fq_act(xs, bits) * torch.tensor(g)).sum()))
    # Dense weights in burn's [in, out] layout (channel axis 1), one all-zero channel; conv
    # weights [out, in, 3, 3] (axis 0).
    for i, (shape, bits, axis) in enumerate([((12, 5), 8, 1), ((7, 3), 2, 1), ((4, 2, 3, 3), 8, 0),
                                             ((3, 1, 3, 3), 4, 0)]):
        w = f32(rng, shape, 0.2)
        if i == 0:
            w[:, 2] = 0
        g = f32(rng, shape)
        kind = "fake_quant_dense" if len(shape) == 2 else "fake_quant_conv"
        cases.append(record32(f"{kind}-{i}-{bits}bit", kind, w, {"bits": bits}, {"upstream": g},
                              lambda ws: (fq_weight(ws, bits, axis) * torch.tensor(g)).sum()))
    # Quantization-aware distillation: Hinton's loss on fq_act(x) @ fq_weight(W) + b, with respect
    # to the layer input x (non-negative, as after a ReLU), extreme teacher logits included.
    for i, (b, d, bits, alpha, tau, scale) in enumerate([(8, 20, 8, 0.5, 4.0, 3.0), (1, 6, 4, 0.1, 2.0, 3.0),
                                                        (16, 12, 8, 0.0, 20.0, 50.0)]):
        x = np.abs(f32(rng, (b, d)))
        w, bias = f32(rng, (d, 10), 0.5), f32(rng, (10,), 0.1)
        t = np.clip(f32(rng, (b, 10), scale), -50, 50).astype(np.float32)
        y = rng.integers(0, 10, b)
        cases.append(record32(f"qat-hinton-{i}-b{b}-{bits}bit", "qat_hinton", x,
                              {"bits": bits, "alpha": alpha, "tau": tau},
                              {"teacher": t, "labels": y.astype(np.float32), "weight": w, "bias": bias},
                              lambda xs: hinton(fq_act(xs, bits) @ fq_weight(torch.tensor(w), bits, 1)
                                                + torch.tensor(bias), torch.tensor(t), torch.tensor(y),
                                                alpha, tau)))
    # Adversarial: temperatures, a batch of one, extreme logits.
    for i, (b, h, tau, scale) in enumerate([(8, 16, 4.0, 3.0), (1, 8, 1.0, 3.0), (6, 4, 2.0, 50.0)]):
        s_, t_ = f32(rng, (b, 10), scale), f32(rng, (b, 10), scale)
        s_, t_ = np.clip(s_, -50, 50).astype(np.float32), np.clip(t_, -50, 50).astype(np.float32)
        w1, b1 = f32(rng, (10, h), 0.5), f32(rng, (h,), 0.1)
        w2, b2 = f32(rng, (h, 1), 0.5), f32(rng, (1,), 0.1)
        cases.append(record(f"adversarial-{i}-b{b}", "adversarial", s_, {"tau": tau},
                            {"teacher": t_, "w1": w1, "b1": b1, "w2": w2, "b2": b2},
                            lambda st: adversarial(st, t64(t_), tau, t64(w1), t64(b1), t64(w2), t64(b2))))
    # DAFL: with respect to the logits and to the features; a batch of one; extreme logits.
    for i, (b, d, scale) in enumerate([(8, 16, 3.0), (1, 4, 3.0), (6, 8, 50.0)]):
        t_ = np.clip(f32(rng, (b, 10), scale), -50, 50).astype(np.float32)
        f_ = f32(rng, (b, d))
        cases.append(record(f"dafl-logits-{i}-b{b}", "dafl_logits", t_, {}, {"features": f_},
                            lambda st: dafl(st, t64(f_))))
        cases.append(record(f"dafl-features-{i}-b{b}", "dafl_features", f_, {}, {"logits": t_},
                            lambda sf: dafl(t64(t_), sf)))
    # FSP: the gradient with respect to the student's first map; a batch of one, a constant map.
    for i, (b, c1, c2, h, const) in enumerate([(4, 3, 5, 7, False), (1, 2, 2, 4, False), (2, 4, 3, 5, True)]):
        a_s, b_s = f32(rng, (b, c1, h, h)), f32(rng, (b, c2, h, h))
        a_t, b_t = f32(rng, (b, c1, h, h)), f32(rng, (b, c2, h, h))
        if const:
            a_s[:] = 0.5
        cases.append(record(f"fsp-{i}-b{b}", "fsp", a_s, {},
                            {"second": b_s, "teacher_first": a_t, "teacher_second": b_t},
                            lambda st: fsp_loss(fsp(st, t64(b_s)), fsp(t64(a_t), t64(b_t)))))
    # Feature statistics (data-free): a conv map (rows over examples and positions) and a dense
    # layer; a batch of one (variance 0).
    for i, (b, c, h, d) in enumerate([(4, 3, 5, 6), (1, 2, 3, 4)]):
        m_, h_ = np.abs(f32(rng, (b, c, h, h))), np.abs(f32(rng, (b, d)))
        mu1, v1 = f32(rng, (c,), 0.5), np.abs(f32(rng, (c,)))
        mu2, v2 = f32(rng, (d,), 0.5), np.abs(f32(rng, (d,)))
        targets = [(t64(mu1), t64(v1)), (t64(mu2), t64(v2))]
        cases.append(record(f"feature-stats-{i}-b{b}", "feature_stats", m_, {},
                            {"hidden": h_, "mean1": mu1, "var1": v1, "mean2": mu2, "var2": v2},
                            lambda sm: feature_stats(sm, t64(h_), targets)))
    # Progressive layer pairs: conv->conv (14x14 pooled to 7x7), dense->conv, conv->dense, dense->dense.
    for i, (ss, ts) in enumerate([((2, 3, 14, 14), (2, 4, 7, 7)), ((3, 5), (3, 2, 14, 14)),
                                  ((2, 2, 7, 7), (2, 6)), ((1, 4), (1, 3))]):
        s_, t_ = f32(rng, ss), f32(rng, ts)
        ds = ss[1] if len(ts) == 4 and len(ss) == 4 else int(np.prod([ss[1]] + ([7, 7] if len(ss) == 4 else [])))
        dt = ts[1] if len(ts) == 4 and len(ss) == 4 else int(np.prod([ts[1]] + ([7, 7] if len(ts) == 4 else [])))
        w, b = f32(rng, (ds, dt), 0.3), f32(rng, (dt,), 0.1)
        cases.append(record(f"progressive-{i}-{len(ss)}d-to-{len(ts)}d", "progressive", s_, {},
                            {"teacher": t_, "weight": w, "bias": b},
                            lambda st: progressive(st, t64(t_), t64(w), t64(b))))
    out = pathlib.Path(__file__).with_name("zoo.json")
    out.write_text(json.dumps({"generator": "tests/golden/gen_zoo.py", "torch": torch.__version__, "cases": cases}))
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
