"""Exports a PyTorch classifier as a distill-lab teacher weight file (safetensors).

  python3 tools/export_teacher.py MODEL.pt OUT.safetensors [--spec SPEC] [--classes K]
  python3 tools/export_teacher.py --demo OUT.safetensors --spec SPEC   (pure Python, no torch)
  python3 tools/export_teacher.py --demo-layers "flatten linear:784:16 relu linear:16:10"

MODEL.pt is a whole module (torch.save(net, ...)) whose layers, in the order they are registered,
make one of the lab's architectures, or a state_dict (torch.save(net.state_dict(), ...)) with
--spec naming it. Inputs are 28x28 grey levels / 255 with no normalisation: an MLP trained on
Normalize((M,), (S,)) needs --normalize M,S (folded into its first layer). 2 to 62 classes:
  mlp:W1,...,Wn  [Flatten] Linear(784, W1) ReLU ... Linear(Wn, K)   (0 to 8 hidden layers)
  cnn:C1,C2,H    Conv2d(1, C1, 3, padding=1) ReLU MaxPool2d(2) Conv2d(C1, C2, 3, padding=1) ReLU
                 MaxPool2d(2) Flatten Linear(C2*7*7, H) ReLU Linear(H, K)
with Dropout anywhere (a no-op at inference) and ReLU/MaxPool2d in either order. Only torch.load
needs torch; the file is written in pure Python, and the module's outputs on random images are
checked against the lab's forward pass on the written weights. --demo writes a network of LCG
weights and, beside it (OUT.logits.json), its logits on the first 8 MNIST test images.

Example: one epoch on the lab's MNIST (98 % here), then export and score it natively:

    import gzip, torch, torch.nn as nn
    def idx(path, skip):
        with gzip.open(path) as f:
            return torch.frombuffer(bytearray(f.read()[skip:]), dtype=torch.uint8)
    x = idx("www/data/mnist/train-images-idx3-ubyte.gz", 16).float().reshape(-1, 1, 28, 28) / 255
    y = idx("www/data/mnist/train-labels-idx1-ubyte.gz", 8).long()
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for i in torch.randperm(60000).split(64):
        opt.zero_grad()
        nn.functional.cross_entropy(net(x[i]), y[i]).backward()
        opt.step()
    torch.save(net, "t.pt")

    python3 tools/export_teacher.py t.pt t.safetensors   # cnn:16,32,128 10 classes: wrote ...
    distill-lab evaluate --weights t.safetensors
"""

import argparse
import contextlib
import gzip
import json
import math
import operator
import os
import re
import struct
import sys
from array import array

FORMAT = "distill-lab-weights/1"
SIDE, PIXELS, MIN_CLASSES, MAX_CLASSES = 28, 784, 2, 62
MAX_WIDTH, MAX_HIDDEN, MAX_CHANNELS, MAX_PARAMS = 8192, 8, 256, 64 << 20
SUPPORTED = ("the lab takes 28x28 grey images, 2 to 62 classes and [Flatten] Linear(784, W1) ReLU "
             "... Linear(Wn, K), or Conv2d(1, C1, 3, padding=1) ReLU MaxPool2d(2) Conv2d(C1, C2, "
             "3, padding=1) ReLU MaxPool2d(2) Flatten Linear(C2*7*7, H) ReLU Linear(H, K), with "
             "Dropout anywhere (tools/export_teacher.py --help)")


class Unsupported(Exception):
    """A model or file the lab cannot take; the message says why."""


def parse_spec(text):
    """('mlp', [W1, ...]) or ('cnn', [C1, C2, H]), checked as the lab's ModelSpec::parse."""
    kind, _, rest = text.partition(":")
    widths = [int(w) if w.strip().isdigit() else 0 for w in rest.split(",") if w.strip()]
    ok = {"mlp": len(widths) <= MAX_HIDDEN,
          "cnn": len(widths) == 3 and max(widths[:2]) <= MAX_CHANNELS}
    if not ok.get(kind) or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise Unsupported(f"spec '{text}': expected mlp:W1,...,Wn (n <= {MAX_HIDDEN}) or "
                          f"cnn:C1,C2,H (channels <= {MAX_CHANNELS}), widths 1 to {MAX_WIDTH}")
    if sum(math.prod(s) + s[0] for s in shapes((kind, widths), MAX_CLASSES)) > MAX_PARAMS:
        raise Unsupported(f"spec '{text}': more than the lab's {MAX_PARAMS} parameters")
    return kind, widths


def spec_text(spec):
    return f"{spec[0]}:{','.join(map(str, spec[1]))}"


def shapes(spec, classes):
    """The PyTorch weight shape of each layer (its bias has the first dimension's length)."""
    kind, w = spec
    if kind == "cnn":
        return [[w[0], 1, 3, 3], [w[1], w[0], 3, 3], [w[2], w[1] * 49], [classes, w[2]]]
    widths = [PIXELS, *w, classes]
    return [[b, a] for a, b in zip(widths, widths[1:])]


def check_classes(classes):
    if not MIN_CLASSES <= classes <= MAX_CLASSES:
        raise Unsupported(f"{classes} classes (the last layer's outputs): the lab takes "
                          f"{MIN_CLASSES} to {MAX_CLASSES}")


def infer_spec(layers):
    """(spec, classes) of a list of layer descriptions (dicts with 'name' and 'kind': linear,
    conv, relu, maxpool, flatten, dropout, identity or other), or Unsupported saying why not."""
    seq = [(i, x) for i, x in enumerate(layers) if x["kind"] not in ("dropout", "identity")]
    kinds = [x["kind"] for _, x in seq]
    for i, x in seq:
        if x["kind"] not in ("linear", "conv", "relu", "maxpool", "flatten"):
            raise Unsupported(f"layer {i} ({x['name']}) is not supported: {SUPPORTED}")
    if "conv" in kinds:
        want = ["conv", "relu", "maxpool"] * 2 + ["flatten", "linear", "relu", "linear"]
        for k in (1, 4):  # max-pool and ReLU commute
            if kinds[k:k + 2] == ["maxpool", "relu"]:
                kinds[k:k + 2] = ["relu", "maxpool"]
    else:
        start = int(kinds[:1] == ["flatten"])
        want = kinds[:start] + ["linear", "relu"] * ((len(kinds) - start) // 2) + ["linear"]
    for (i, x), k, w in zip(seq, kinds, want):
        if k != w:
            raise Unsupported(f"layer {i} ({x['name']}): expected {w} here; {SUPPORTED}")
    if len(kinds) != len(want):
        where = (f"layer {seq[len(want)][0]} ({seq[len(want)][1]['name']}) follows the output"
                 if len(kinds) > len(want) else
                 f"the model ends with {seq[-1][1]['name'] if seq else 'no layer'}")
        raise Unsupported(f"{where}: the last layer must be a Linear giving the class logits; "
                          f"{SUPPORTED}")
    lin = [x for _, x in seq if x["kind"] == "linear"]
    convs = [x for _, x in seq if x["kind"] == "conv"]
    for c in convs:
        for key, value in (("kernel", 3), ("stride", 1), ("padding", 1), ("dilation", 1),
                           ("groups", 1), ("padding_mode", "zeros")):
            if c[key] != value:
                raise Unsupported(f"{c['name']}: {key} {c[key]}, the lab's convolutions are 3x3 "
                                  "with stride 1, padding 1 (zeros), no dilation, no groups")
    for _, p in seq:
        if p["kind"] == "maxpool" and [p[k] for k in ("kernel", "stride", "padding",
                                                      "dilation")] != [2, 2, 0, 1]:
            raise Unsupported(f"{p['name']}: the lab pools with MaxPool2d(2): 2x2, stride 2")
        if p["kind"] == "flatten" and (p["start"], p["end"]) != (1, -1):
            raise Unsupported(f"{p['name']}: the lab flattens all but the batch dimension")
    if convs and convs[0]["in"] != 1:
        raise Unsupported(f"{convs[0]['name']}: {convs[0]['in']} input channels, the lab's "
                          "images are grey (1 channel)")
    for a, b in list(zip(convs, convs[1:])) + list(zip(lin, lin[1:])):
        if a["out"] != b["in"]:
            unit = "channels" if a["kind"] == "conv" else "values"
            raise Unsupported(f"{b['name']} takes {b['in']} {unit}, {a['name']} gives {a['out']}")
    first = convs[-1]["out"] * 49 if convs else PIXELS
    if lin[0]["in"] != first:
        per = lin[0]["in"] // (convs[-1]["out"] if convs else 1)
        side = math.isqrt(per) * (4 if convs else 1)
        hint = f" (is it for {side}x{side} images?)" if math.isqrt(per) ** 2 == per else ""
        raise Unsupported(f"{lin[0]['name']} takes {lin[0]['in']} inputs, expected {first}: the "
                          f"lab's images are 28x28{hint}")
    check_classes(lin[-1]["out"])
    widths = [c["out"] for c in convs] + [x["out"] for x in lin[:-1]]
    return parse_spec(("cnn:" if convs else "mlp:") + ",".join(map(str, widths))), lin[-1]["out"]


def parse_layers(text):
    """Layer descriptions from words (to check a design without torch): flatten, relu, dropout,
    linear:IN:OUT, conv:IN:OUT:K[:PADDING], maxpool:K[:STRIDE]; other words name other layers."""
    layers = []
    for word in text.replace(",", " ").split():
        kind, *a = word.split(":")
        a = [int(v) for v in a] if all(v.isdigit() for v in a) else None
        x = {"kind": "other"}
        if kind == "linear" and a and len(a) == 2:
            x = {"kind": kind, "in": a[0], "out": a[1]}
        elif kind == "conv" and a and len(a) in (3, 4):
            x = {"kind": kind, "in": a[0], "out": a[1], "kernel": a[2], "padding": (a + [0])[3],
                 "stride": 1, "dilation": 1, "groups": 1, "padding_mode": "zeros"}
        elif kind == "maxpool" and a and len(a) in (1, 2):
            x = {"kind": kind, "kernel": a[0], "stride": a[-1], "padding": 0, "dilation": 1}
        elif kind in ("flatten", "relu", "dropout") and a == []:
            x = {"kind": kind, "start": 1, "end": -1}
        layers.append({**x, "name": word})
    return layers


def describe_module(m):
    """A torch leaf module as a layer description."""
    import torch.nn as nn

    def one(v):
        return v[0] if isinstance(v, tuple) and len(set(v)) == 1 else v
    x = {"name": repr(m).split("\n")[0], "kind": "other"}
    if isinstance(m, nn.Linear):
        return {**x, "kind": "linear", "in": m.in_features, "out": m.out_features}
    if isinstance(m, nn.Conv2d):
        pad = tuple(k // 2 for k in m.kernel_size) if m.padding == "same" else m.padding
        return {**x, "kind": "conv", "in": m.in_channels, "out": m.out_channels,
                "kernel": one(m.kernel_size), "stride": one(m.stride), "padding": one(pad),
                "dilation": one(m.dilation), "groups": m.groups, "padding_mode": m.padding_mode}
    if isinstance(m, nn.MaxPool2d):
        return {**x, "kind": "maxpool", "kernel": one(m.kernel_size), "padding": one(m.padding),
                "stride": one(m.stride or m.kernel_size), "dilation": one(m.dilation)}
    if isinstance(m, nn.Flatten):
        return {**x, "kind": "flatten", "start": m.start_dim, "end": m.end_dim}
    for t, kind in ((nn.ReLU, "relu"), (nn.Dropout, "dropout"), (nn.Identity, "identity")):
        x["kind"] = kind if isinstance(m, t) else x["kind"]
    return x


def lcg_weights(spec, classes, seed):
    """The demo's (weight, bias) pairs: a 64-bit LCG (Knuth's MMIX), weights uniform in
    +-sqrt(6 / fan_in) (logits of order 1), biases in +-0.1, rounded to f32."""
    state = seed

    def uniform(count, bound):
        nonlocal state
        out = []
        for _ in range(count):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            out.append(((state >> 11) / 2**53 * 2 - 1) * bound)
        return array("f", out).tolist()
    return [(uniform(math.prod(s), math.sqrt(6 / math.prod(s[1:]))), uniform(s[0], 0.1))
            for s in shapes(spec, classes)]


def fold_normalize(spec, params, mean, std):
    """The weights that give the lab's inputs x what the model gives (x - mean) / std."""
    if spec[0] != "mlp":
        raise Unsupported("--normalize is exact for MLPs only (a convolution pads a normalised "
                          "image with zeros, not with black): train the CNN on grey levels / 255")
    (w, b), k = params[0], PIXELS
    bias = [v - mean / std * sum(w[o * k:(o + 1) * k]) for o, v in enumerate(b)]
    return [([v / std for v in w], bias)] + params[1:]


def conv_relu_pool(x, c_in, side, w, b):
    """Conv 3x3 (zero padding 1), ReLU, max-pool 2x2 of one image [c_in, side, side], flat."""
    pad, half = side + 2, side // 2
    xp = [0.0] * (c_in * pad * pad)
    for c in range(c_in):
        for y in range(side):
            at = (c * pad + y + 1) * pad + 1
            xp[at:at + side] = x[(c * side + y) * side:(c * side + y + 1) * side]
    taps = [(c * 9 + dy * 3 + dx, (c * pad + dy) * pad + dx)
            for c in range(c_in) for dy in range(3) for dx in range(3)]
    out = []
    for o, bias in enumerate(b):
        k = w[o * c_in * 9:(o + 1) * c_in * 9]
        m = [[bias + sum(k[t] * xp[y * pad + x + at] for t, at in taps) for x in range(side)]
             for y in range(side)]
        out += [max(0.0, m[2 * y][2 * x], m[2 * y][2 * x + 1], m[2 * y + 1][2 * x],
                    m[2 * y + 1][2 * x + 1]) for y in range(half) for x in range(half)]
    return out


def forward(spec, params, x):
    """The lab's logits of one image (784 grey levels / 255), in pure Python."""
    side, channels = SIDE, 1
    if spec[0] == "cnn":
        for w, b in params[:2]:
            x, channels, side = conv_relu_pool(x, channels, side, w, b), len(b), side // 2
        params = params[2:]
    for n, (w, b) in enumerate(params):
        k = len(x)
        x = [v + sum(map(operator.mul, w[o * k:(o + 1) * k], x)) for o, v in enumerate(b)]
        x = [max(v, 0.0) for v in x] if n < len(params) - 1 else x
    return x


def read_images(path, count):
    """The first `count` images of a gzip IDX file, as grey levels / 255."""
    with gzip.open(path) as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">4I", data[:16])
    if (magic, rows, cols) != (0x803, SIDE, SIDE) or min(n, len(data) // PIXELS) < count:
        raise Unsupported(f"{path}: not an IDX file of at least {count} 28x28 images")
    return [[p / 255 for p in data[16 + i * PIXELS:16 + (i + 1) * PIXELS]] for i in range(count)]


def write_weights(path, spec, classes, params, extra):
    """Writes the lab's weight file: safetensors, i.e. the header's length (u64 LE), the header
    (JSON: dtype, shape and byte range of each tensor, and __metadata__), the f32 LE values."""
    header, blobs, offset = {}, [], 0
    want = shapes(spec, classes)
    if len(params) != len(want):
        raise Unsupported(f"{len(params)} layers of weights, a {spec_text(spec)} has {len(want)}")
    for i, ((w, b), shape) in enumerate(zip(params, want)):
        for key, shape, values in ((f"layers.{i}.weight", shape, w),
                                   (f"layers.{i}.bias", shape[:1], b)):
            a = array("f", values)
            if len(a) != math.prod(shape) or not all(map(math.isfinite, a)):
                raise Unsupported(f"tensor '{key}': {len(a)} values for shape {shape}, or one "
                                  "that is not finite in f32")
            if sys.byteorder == "big":
                a.byteswap()
            blobs.append(a.tobytes())
            header[key] = {"dtype": "F32", "shape": shape,
                           "data_offsets": [offset, offset + len(blobs[-1])]}
            offset += len(blobs[-1])
    header["__metadata__"] = {"format": FORMAT, "spec": spec_text(spec), "classes": str(classes),
                              **extra}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def lab_forward_torch(torch, spec, params, x):
    """The lab's forward pass in torch on the weights as written (x: [batch, 784])."""
    F = torch.nn.functional
    ts = [(torch.tensor(w).reshape(s), torch.tensor(b))
          for (w, b), s in zip(params, shapes(spec, len(params[-1][1])))]
    if spec[0] == "cnn":
        x = x.reshape(-1, 1, SIDE, SIDE)
        for w, b in ts[:2]:
            x = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
        x, ts = x.flatten(1), ts[2:]
    for n, (w, b) in enumerate(ts):
        x = F.linear(x, w, b)
        x = F.relu(x) if n < len(ts) - 1 else x
    return x


def from_torch(path, spec_arg, normalize):
    """(spec, classes, params) of a .pt file: a whole module, or a state_dict with --spec."""
    import torch
    safe = [c for c in vars(torch.nn).values() if isinstance(c, type)
            and issubclass(c, torch.nn.Module)]  # torch's own layers may be unpickled
    allow = getattr(torch.serialization, "safe_globals", None)  # torch >= 2.5
    try:
        with allow(safe) if allow else contextlib.nullcontext():
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds here
        found = re.search(r"GLOBAL (\S+)", str(e))
        why = f"it holds {found[1]}, not a torch.nn layer" if found else str(e).strip() or repr(e)
        raise Unsupported(f"{path}: torch.load failed: {why.splitlines()[0]}; for a "
                          "module of a class of your own, save its state_dict and give --spec")
    module = isinstance(obj, torch.nn.Module)
    if module:
        leaves = [m for m in obj.modules() if next(m.children(), None) is None]
        if sum(p.numel() for m in leaves for p in m.parameters()) != sum(
                p.numel() for p in obj.parameters()):
            raise Unsupported(f"{path}: a container module holds parameters of its own")
        layers = [describe_module(m) for m in leaves]
        spec, classes = infer_spec(layers)
        if spec_arg and parse_spec(spec_arg) != spec:
            raise Unsupported(f"{path}: the model is a {spec_text(spec)}, not {spec_arg}")
        tensors = [(m.weight, m.bias) for m in leaves
                   if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    else:
        for key in ("state_dict", "model_state_dict", "model"):  # common checkpoint layouts
            obj = obj[key] if isinstance(obj, dict) and isinstance(obj.get(key), dict) else obj
        if not isinstance(obj, dict) or not spec_arg:
            raise Unsupported(f"{path}: not an nn.Module; a state_dict needs --spec (mlp:... or "
                              "cnn:...)")
        spec, names = parse_spec(spec_arg), []
        for key in obj:
            prefix, _, kind = key.rpartition(".")
            if kind not in ("weight", "bias"):
                raise Unsupported(f"{path}: '{key}' is neither a weight nor a bias; {SUPPORTED}")
            names += [prefix] if prefix not in names else []
        tensors = [(obj[f"{n}.weight"], obj.get(f"{n}.bias")) for n in names]
        classes = tensors[-1][0].shape[0] if tensors else 0
        for n, (w, b), s in zip(names, tensors, shapes(spec, classes)):
            if list(w.shape) != s or b is not None and list(b.shape) != s[:1]:
                got = [list(w.shape), None if b is None else list(b.shape)]
                raise Unsupported(f"{path}: '{n}' has shapes {got[0]}, {got[1]}; "
                                  f"a {spec_arg} with {classes} classes has {s}, {s[:1]} there")
        check_classes(classes)
    params = [(w.detach().float().flatten().tolist(),
               [0.0] * w.shape[0] if b is None else b.detach().float().flatten().tolist())
              for w, b in tensors]
    params = fold_normalize(spec, params, *normalize) if normalize else params
    if module:  # the module's own outputs against the lab's forward pass on the written weights
        x = torch.rand(16, PIXELS, generator=torch.Generator().manual_seed(0))
        first = next(d["kind"] for d in layers if d["kind"] not in ("dropout", "identity"))
        inp = x if first == "linear" else x.reshape(-1, 1, SIDE, SIDE)
        with torch.no_grad():
            try:
                want = obj.float().eval()(
                    (inp - normalize[0]) / normalize[1] if normalize else inp).reshape(16, -1)
            except Exception as e:  # whatever the module's forward() raises
                raise Unsupported(f"{path}: the model fails on {list(inp.shape)} images: {e}")
            diff = float((want - lab_forward_torch(torch, spec, params, x)).abs().max())
        if not diff <= 1e-4 * max(1.0, float(want.abs().max())):
            raise Unsupported(f"{path}: its outputs differ from its layers' by {diff:.3g}: "
                              "forward() must apply the layers in order, nothing else (else: a "
                              "state_dict and --spec)")
    return spec, classes, params


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", nargs="?", help="MODEL.pt: a pickled nn.Module, or a state_dict")
    p.add_argument("out", nargs="?", help="OUT.safetensors: the lab's weight file")
    p.add_argument("--spec", help="the architecture: mlp:W1,...,Wn or cnn:C1,C2,H")
    p.add_argument("--classes", type=int, help="the class count, checked (demo: default 10)")
    p.add_argument("--normalize", metavar="MEAN,STD", help="the MLP's input was (x - MEAN) / STD")
    p.add_argument("--demo", metavar="OUT", help="write an LCG network of --spec and its logits")
    p.add_argument("--demo-layers", metavar="WORDS", help="the spec of a layer list, or why not")
    p.add_argument("--seed", type=int, default=1, help="demo: the weights' seed")
    p.add_argument("--images", type=int, default=8, help="demo: how many test images")
    p.add_argument("--data", help="demo: the folder of t10k-images-idx3-ubyte.gz (default: the "
                   "lab's MNIST)", default=os.path.join(os.path.dirname(__file__), os.pardir,
                                                        "www", "data", "mnist"))
    a = p.parse_args(argv)
    try:
        if a.demo_layers is not None:
            spec, classes = infer_spec(parse_layers(a.demo_layers))
        elif a.demo:
            spec, classes = parse_spec(a.spec or ""), 10 if a.classes is None else a.classes
            check_classes(classes)
            params = lcg_weights(spec, classes, a.seed)
            images = read_images(os.path.join(a.data, "t10k-images-idx3-ubyte.gz"), a.images)
            write_weights(a.demo, spec, classes, params, {"source": "export_teacher.py --demo"})
            with open(a.demo.removesuffix(".safetensors") + ".logits.json", "w") as f:
                json.dump({"spec": spec_text(spec), "classes": classes,
                           "logits": [forward(spec, params, x) for x in images]}, f)
        elif a.model and a.out:
            try:
                norm = [float(v) for v in a.normalize.split(",")] if a.normalize else None
            except ValueError:
                norm = []
            if norm is not None and (len(norm) != 2 or not norm[1] > 0):
                raise Unsupported(f"--normalize {a.normalize}: expected MEAN,STD with STD > 0")
            spec, classes, params = from_torch(a.model, a.spec, norm)
            if a.classes is not None and a.classes != classes:
                raise Unsupported(f"the model has {classes} classes, --classes says {a.classes}")
            write_weights(a.out, spec, classes, params, {"source": "tools/export_teacher.py"})
        else:
            p.error("give MODEL.pt OUT.safetensors, --demo OUT --spec SPEC or --demo-layers WORDS")
    except Unsupported as e:
        print(f"export_teacher: {e}", file=sys.stderr)
        return 2
    done = "" if a.demo_layers is not None else f": wrote {a.demo or a.out}"
    print(f"{spec_text(spec)} {classes} classes{done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
