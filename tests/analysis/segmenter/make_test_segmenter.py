#!/usr/bin/env python3
"""A segmenter with a vocabulary of its own, scripted at test time with Debian's python3-torch.

Two heads, neither naming anything SceneWorld knows:
  hue  (category "color", 32x32 run, floor 0.4): the nearest of a few colour prototypes per pixel;
       two prototypes form one group ("jade", light and dark green);
  form (category "shape", 16x16 run, no floor): horizontal or vertical ridges, or level ground,
       from the grey image's gradients.
The logits of both heads come out concatenated along the channels, at half the input resolution.

Also a user's generator to pair it with: a small upsample-then-convolve GAN with random weights,
64 latents to 32x32 RGB, whose layer "block2" (32 units on 8x8) is dissected.

Usage: make_test_segmenter.py OUT_DIR  ->  OUT_DIR/test_segmenter.pt, its sidecar,
OUT_DIR/bad_channels.pt (the same model, its sidecar naming one channel too many) and
OUT_DIR/test_generator.pt with its sidecar.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HUE = ["-", "ruby", "jade", "jade", "cobalt", "snow", "coal", "amber"]
PROTOTYPES = [  # RGB in [0, 1]; "-" has no prototype: a constant logit
    None,
    (0.75, 0.15, 0.15),
    (0.45, 0.75, 0.35),
    (0.15, 0.40, 0.15),
    (0.25, 0.40, 0.85),
    (0.92, 0.92, 0.92),
    (0.10, 0.10, 0.10),
    (0.85, 0.65, 0.25),
]
FORM = ["-", "ridge-h", "ridge-v", "level"]


class TestSegmenter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        k = 12.0
        weight = torch.zeros(len(HUE), 3, 1, 1)
        bias = torch.zeros(len(HUE))
        bias[0] = -k * 0.08  # "-" wins where no prototype is close
        for i, p in enumerate(PROTOTYPES):
            if p is None:
                continue
            v = torch.tensor(p)
            weight[i, :, 0, 0] = 2 * k * v
            bias[i] = -k * float((v * v).sum())
        self.hue = torch.nn.Conv2d(3, len(HUE), 1)
        self.hue.weight.data.copy_(weight)
        self.hue.bias.data.copy_(bias)
        sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
        self.gradients = torch.nn.Conv2d(1, 2, 3, padding=1, bias=False)
        self.gradients.weight.data.copy_(torch.stack([sobel.t(), sobel]).unsqueeze(1))

    def forward(self, x):
        # The sidecar's preprocessing gives RGB in [0, 1]: mean 0, std 255.
        # -k|x - p|^2 up to a term all channels share: the softmax does not see it.
        hue = self.hue(x)
        grey = x.mean(1, keepdim=True)
        g = self.gradients(grey).abs()
        gy, gx = g[:, 0:1], g[:, 1:2]
        level = 0.3 - (gx + gy)
        form = torch.cat([torch.zeros_like(gx) + 0.05, 4.0 * gy, 4.0 * gx, 4.0 * level], 1)
        out = torch.cat([hue, form * 8.0], 1)
        return F.avg_pool2d(out, 2)


class Block(torch.nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return F.leaky_relu(self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest")), 0.2)


class TestGenerator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.project = torch.nn.Linear(64, 64 * 4 * 4)
        self.block1 = Block(64, 48)
        self.block2 = Block(48, 32)
        self.block3 = Block(32, 16)
        self.to_rgb = torch.nn.Conv2d(16, 3, 1)

    def forward(self, z):
        x = F.leaky_relu(self.project(z).view(-1, 64, 4, 4), 0.2)
        x = self.block3(self.block2(self.block1(x)))
        return torch.tanh(2.0 * self.to_rgb(x))


def sidecar(hue_channels):
    return {
        "preprocess": {"mean": [0, 0, 0], "std": [255, 255, 255], "channel_order": "rgb"},
        "input_size": 32,
        "segmenter": {
            "categories": ["color", "shape"],
            "heads": [
                {"name": "hue", "category": "color", "channels": hue_channels, "min_confidence": 0.4, "size": 32},
                {"name": "form", "category": "shape", "channels": FORM, "size": 16},
            ],
        },
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = torch.jit.script(TestSegmenter().eval())
    for name, channels in (("test_segmenter.pt", HUE), ("bad_channels.pt", HUE + ["plum"])):
        path = os.path.join(out, name)
        model.save(path)
        with open(path + ".json", "w") as f:
            json.dump(sidecar(channels), f, indent=2)
    net = TestGenerator().eval()
    with torch.no_grad():
        # Strong enough weights that samples hold several colours in blobs, not one flat cast.
        net.to_rgb.weight.normal_(0, 0.6)
        net.to_rgb.bias.zero_()
        for block in (net.block1, net.block2, net.block3):
            block.conv.weight.mul_(2.0)
    generator = torch.jit.script(net)
    path = os.path.join(out, "test_generator.pt")
    generator.save(path)
    with open(path + ".json", "w") as f:
        json.dump({"input_shape": [64]}, f, indent=2)
    assert tuple(generator(torch.randn(2, 64)).shape) == (2, 3, 32, 32)
    # Check the model gives what the sidecar says, so a failure here is the script's own.
    y = model(torch.rand(2, 3, 32, 32))
    assert tuple(y.shape) == (2, len(HUE) + len(FORM), 16, 16), y.shape
    print("wrote", out)


if __name__ == "__main__":
    main()
