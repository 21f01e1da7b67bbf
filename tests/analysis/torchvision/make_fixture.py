#!/usr/bin/python3
"""Makes one torchvision fixture for torchvision_layers_test: ARCH with random weights, exported
by torch.jit.trace or torch.jit.script, and what PyTorch's own forward hooks see on a fixed input.

Usage: make_fixture.py OUTDIR ARCH traced|scripted SIZE

Writes OUTDIR/ARCH_MODE.pt, OUTDIR/ARCH_MODE.input.bin (the input, float32 [1, 3, SIZE, SIZE]) and
OUTDIR/ARCH_MODE.json: per named submodule whose forward returned a tensor (the last call's output,
copied when the hook fires, as an in-place op after it would change it), its shape, sum, sum of
squares and 64 sampled values with their flat index ("in_tuple": the tensor came as (tensor, None),
as nn.MultiheadAttention returns it); and the submodules whose output was no tensor.
Debian's python3-torch and python3-torchvision only: nothing is downloaded.
"""
import json
import os
import sys

import torch
import torchvision


def build(arch, size):
    kwargs = {"weights": None}
    if arch.startswith("vit_"):
        kwargs["image_size"] = size
    return getattr(torchvision.models, arch)(**kwargs).eval()


def main():
    out_dir, arch, mode, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.manual_seed(0)
    model = build(arch, size)
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1))

    seen = {}
    handles = []
    for name, module in model.named_modules():
        if not name:
            continue

        def hook(module, inputs, output, name=name):
            if isinstance(output, torch.Tensor):
                seen[name] = (output.detach().clone(), False)
            elif (isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor)
                  and all(o is None for o in output[1:])):
                # (tensor, None, ...), as nn.MultiheadAttention without weights: a trace keeps the tensor.
                seen[name] = (output[0].detach().clone(), True)
            else:
                seen[name] = None

        handles.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()

    with torch.no_grad():
        exported = torch.jit.trace(model, x, check_trace=False) if mode == "traced" else torch.jit.script(model)
    stem = os.path.join(out_dir, f"{arch}_{mode}")
    exported.save(stem + ".pt.tmp")
    os.replace(stem + ".pt.tmp", stem + ".pt")
    x.numpy().astype("<f4").tofile(stem + ".input.bin")

    layers, not_tensor = [], []
    order = [name for name, _ in model.named_modules() if name]
    pick = torch.Generator().manual_seed(2)
    for name in order:
        if name not in seen:
            continue  # never called in forward (or only through a path hooks do not see)
        if seen[name] is None:
            not_tensor.append(name)
            continue
        t, in_tuple = seen[name]
        flat = t.double().flatten()
        index = torch.randint(0, flat.numel(), (64,), generator=pick)
        layers.append({
            "name": name,
            "in_tuple": in_tuple,
            "shape": list(t.shape),
            "sum": flat.sum().item(),
            "sumsq": (flat * flat).sum().item(),
            "samples": [[int(i), flat[i].item()] for i in index],
        })
    meta = {"arch": arch, "mode": mode, "size": size, "torch": torch.__version__,
            "torchvision": torchvision.__version__, "layers": layers, "not_tensor": not_tensor}
    with open(stem + ".json.tmp", "w") as f:
        json.dump(meta, f)
    os.replace(stem + ".json.tmp", stem + ".json")


if __name__ == "__main__":
    main()
