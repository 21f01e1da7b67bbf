#!/usr/bin/python3
"""Writes the small TorchScript fixtures in tests/fixtures/models/ and what PyTorch computes for them.

Run with Debian's python3-torch: /usr/bin/python3 tools/make_test_models.py
Expected values come from PyTorch forward hooks (the reference the C++ graph surgery must match):
taps read a layer's output as it is produced, and edits replace it, for every call of the module.
"""
import json
import pathlib

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "models"


class Net(nn.Module):
    """VGG-like and scripted: inplace ReLUs after the convs, a functional flatten."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(2))
        self.classifier = nn.Sequential(nn.Linear(24, 5), nn.ReLU(), nn.Linear(5, 3))

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


class Inner(nn.Module):
    """A submodule called inside a custom forward, not as a Sequential child."""

    def __init__(self, c):
        super().__init__()
        self.proj = nn.Conv2d(c, c, 1)

    def forward(self, x):
        y = self.proj(x)
        return y * 2.0 + x


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.inner = Inner(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.down = None if stride == 1 and cin == cout else nn.Conv2d(cin, cout, 1, stride=stride)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.conv2(self.inner(out))
        identity = x if self.down is None else self.down(x)
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.layer1 = nn.Sequential(Block(4, 4, 1), Block(4, 8, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = self.layer1(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class TinyGenerator(nn.Module):
    """A latent-to-image generator: its input is a code, so its sidecar gives input_shape."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 6 * 4 * 4)
        self.layer1 = nn.Sequential(nn.ConvTranspose2d(6, 4, 4, stride=2, padding=1), nn.ReLU())
        self.output = nn.Sequential(nn.Conv2d(4, 3, 3, padding=1), nn.Tanh())

    def forward(self, z):
        x = self.fc(z).view(-1, 6, 4, 4)
        return self.output(self.layer1(x))


def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def save_raw(tensor, name):
    (OUT / name).write_bytes(tensor.detach().contiguous().float().numpy().astype("<f4").tobytes())
    return {"file": name, "shape": list(tensor.shape)}


def run_with_hooks(model, x, taps, edit):
    """Forward with PyTorch hooks: an optional edit {layer, units, op, value, mask}, then taps."""
    got = {}
    handles = []
    modules = dict(model.named_modules())
    if edit:
        def edit_hook(_m, _inp, out):
            out = out.clone()
            for u in edit["units"]:
                mask = torch.tensor(edit["mask"]) if edit.get("mask") else torch.ones(())
                edited = out[:, u] * edit["value"] if edit["op"] == "multiply" else torch.full_like(out[:, u], edit["value"])
                out[:, u] = mask * edited + (1 - mask) * out[:, u]
            return out
        handles.append(modules[edit["layer"]].register_forward_hook(edit_hook))
    for t in taps:
        def tap_hook(_m, _inp, out, t=t):
            got[t] = out.detach().clone()
        handles.append(modules[t].register_forward_hook(tap_hook))
    with torch.no_grad():
        out = model(x)
    for h in handles:
        h.remove()
    return got, out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    net = Net().eval()
    res = TinyResNet().eval()
    randomise_bn(res, gen)

    x = torch.randn(2, 3, 16, 16, generator=gen)
    manifest = {"input": save_raw(x, "input.bin"), "cases": []}

    torch.jit.script(net).save(str(OUT / "seq_scripted.pt"))
    torch.jit.freeze(torch.jit.script(net)).save(str(OUT / "seq_frozen.pt"))
    torch.jit.script(TinyGenerator().eval()).save(str(OUT / "tiny_generator.pt"))
    (OUT / "tiny_generator.pt.json").write_text(json.dumps({"input_shape": [8]}) + "\n")
    torch.jit.trace(res, x).save(str(OUT / "tiny_resnet_traced.pt"))
    torch.jit.script(res).save(str(OUT / "tiny_resnet_scripted.pt"))

    mask8 = [[((i + j) % 3) / 2.0 for j in range(8)] for i in range(8)]
    cases = [
        ("seq", net, ["features.0", "features.3", "features", "classifier.0"], None),
        ("seq_mul", net, ["features.3", "classifier.2"],
         {"layer": "features.0", "units": [1, 3], "op": "multiply", "value": 0.0}),
        ("res", res, ["stem", "layer1.0.conv1", "layer1.0.inner.proj", "layer1.1.inner",
                      "layer1.1.down", "layer1.1", "fc"], None),
        ("res_replace_mask", res, ["layer1.0.inner", "layer1.1.conv2", "fc"],
         {"layer": "layer1.0.inner.proj", "units": [2], "op": "replace", "value": 3.0,
          "mask": [[((i * 3 + j) % 5) / 4.0 for j in range(16)] for i in range(16)]}),
        ("res_mul_relu", res, ["layer1.1.relu", "layer1.1", "fc"],
         {"layer": "layer1.1.relu", "units": [0, 5], "op": "multiply", "value": 2.5, "mask": mask8}),
    ]
    for name, model, taps, edit in cases:
        got, out = run_with_hooks(model, x, taps, edit)
        case = {"name": name, "models": ["seq_scripted.pt"] if model is net else
                ["tiny_resnet_traced.pt", "tiny_resnet_scripted.pt"],
                "edit": edit, "taps": {}, "output": save_raw(out, f"{name}_output.bin")}
        for t in taps:
            case["taps"][t] = save_raw(got[t], f"{name}_{t}.bin")
        manifest["cases"].append(case)
    (OUT / "expected.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
