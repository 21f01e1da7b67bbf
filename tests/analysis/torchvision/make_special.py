#!/usr/bin/python3
"""Makes the TorchScript models the `unitscope layers` edge tests use, in OUTDIR:
  branchy.pt  scripted: a runtime `if` picks one of two convs, a loop over a ModuleList runs in
              straight-line code once scripted (unrolled), and a tuple-returning submodule
  frozen.pt   torch.jit.freeze of a scripted resnet18: every submodule inlined away
  newer.pt    branchy.pt as a future PyTorch would save it: its archive's version record says 99
Usage: make_special.py OUTDIR
"""
import os
import sys
import zipfile
from typing import Tuple

import torch
import torchvision
from torch import nn


class Pair(nn.Module):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return x, -x


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.blocks = nn.ModuleList([nn.Conv2d(4, 4, 3, padding=1) for _ in range(2)])
        self.bright = nn.Conv2d(4, 4, 1)
        self.dark = nn.Conv2d(4, 4, 1)
        self.pair = Pair()

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = torch.relu(block(x))
        if bool(x.mean() > 0):
            x = self.bright(x)
        else:
            x = self.dark(x)
        a, b = self.pair(x)
        return a + b


def save(module, path):
    module.save(path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    save(torch.jit.script(Branchy().eval()), os.path.join(out, "branchy.pt"))
    frozen = torch.jit.freeze(torch.jit.script(torchvision.models.resnet18(weights=None).eval()))
    save(frozen, os.path.join(out, "frozen.pt"))
    # The same archive with a file format version no LibTorch 1.13 reads.
    with zipfile.ZipFile(os.path.join(out, "branchy.pt")) as src, \
            zipfile.ZipFile(os.path.join(out, "newer.pt.tmp"), "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("/version"):
                data = b"99\n"
            dst.writestr(item, data)
    os.replace(os.path.join(out, "newer.pt.tmp"), os.path.join(out, "newer.pt"))


if __name__ == "__main__":
    main()
