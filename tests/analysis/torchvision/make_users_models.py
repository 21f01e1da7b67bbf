#!/usr/bin/python3
"""Makes the user-shaped models the end-to-end tests dissect and ablate, in OUTDIR, with random
weights (Debian's python3-torch and python3-torchvision; nothing is downloaded):
  vit_b_16.pt   torchvision's vit_b_16 for 64 x 64 inputs, scripted: its encoder layers give
                [1 + 4*4, 768] tokens, a class token first
  vit_small.pt  torchvision's VisionTransformer, small (4 layers of 64), scripted, with the class
                names of SIDECAR (SceneWorld's scenes, from the demo classifier's sidecar): fast
                enough to ablate each of its 64 token units
  progan.pt     a ProGAN-shaped generator, scripted: a [512, 1, 1] latent, a 4 x 4 transposed
                convolution, then upsampling blocks to a 48 x 48 image in [-1, 1]; its sidecar
                gives the latent shape
Usage: make_users_models.py OUTDIR SIDECAR
"""
import json
import os
import sys

import torch
import torchvision
from torch import nn


class ProGanShaped(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.ConvTranspose2d(512, 64, 4), nn.LeakyReLU(0.2))  # 1x1 -> 4x4
        self.layer2 = nn.Sequential(nn.Upsample(scale_factor=2.0), nn.Conv2d(64, 48, 3, padding=1), nn.LeakyReLU(0.2))
        self.layer3 = nn.Sequential(nn.Upsample(scale_factor=3.0), nn.Conv2d(48, 32, 3, padding=1), nn.LeakyReLU(0.2))
        self.layer4 = nn.Sequential(nn.Upsample(scale_factor=2.0), nn.Conv2d(32, 16, 3, padding=1), nn.LeakyReLU(0.2))
        self.output = nn.Conv2d(16, 3, 1)

    def forward(self, z):
        x = self.layer4(self.layer3(self.layer2(self.layer1(z))))
        return torch.tanh(self.output(x))


def save(module, path, sidecar=None):
    module.save(path + ".tmp")
    os.replace(path + ".tmp", path)
    if sidecar is not None:
        with open(path + ".json.tmp", "w") as f:
            json.dump(sidecar, f)
        os.replace(path + ".json.tmp", path + ".json")


def main():
    out = sys.argv[1]
    with open(sys.argv[2]) as f:
        classes = json.load(f)["classes"]
    torch.manual_seed(0)
    vit = torchvision.models.vit_b_16(weights=None, image_size=64).eval()
    save(torch.jit.script(vit), os.path.join(out, "vit_b_16.pt"), {"preprocess": {"resize": 64, "crop": 64}})
    small = torchvision.models.VisionTransformer(image_size=64, patch_size=16, num_layers=4, num_heads=2,
                                                 hidden_dim=64, mlp_dim=128, num_classes=len(classes)).eval()
    # torchvision starts a ViT's head at zero (every logit 0, whatever a unit does): random instead.
    nn.init.normal_(small.heads.head.weight, std=0.5)
    save(torch.jit.script(small), os.path.join(out, "vit_small.pt"),
         {"preprocess": {"resize": 64, "crop": 64}, "classes": classes})
    save(torch.jit.script(ProGanShaped().eval()), os.path.join(out, "progan.pt"), {"input_shape": [512, 1, 1]})


if __name__ == "__main__":
    main()
