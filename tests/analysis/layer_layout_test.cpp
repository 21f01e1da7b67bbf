// Reading layers as units on a grid: the layout guessed from a shape, the conversions to and from
// [N, C, H, W] maps, and unit edits on token and channels-last layers.
#include "analysis/model/layer_layout.h"

#include <ATen/ATen.h>
#include <torch/script.h>

#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "analysis/data/error.h"
#include "analysis/model/layer_maps.h"
#include "analysis/model/live_session.h"
#include "analysis/model/model.h"
#include "test_paths.h"

using namespace unitscope::analysis;

namespace {
using Shape = std::vector<std::int64_t>;
}  // namespace

TEST_CASE("layouts are guessed from the shape, and a wrong one is refused with the layer and shape") {
  CHECK(guess_layout(Shape{512, 7, 7}) == LayerLayout::kChannels);
  CHECK(guess_layout(Shape{56, 56, 96}) == LayerLayout::kChannelsLast);
  CHECK(guess_layout(Shape{197, 768}) == LayerLayout::kClassTokens);
  CHECK(guess_layout(Shape{196, 768}) == LayerLayout::kTokens);
  CHECK(guess_layout(Shape{1000}) == LayerLayout::kChannels);
  CHECK(guess_layout(Shape{50, 7}) == LayerLayout::kClassTokens);  // 49 + 1
  CHECK(guess_layout(Shape{30, 7}) == LayerLayout::kAuto);
  const UnitGrid vit = unit_grid(Shape{197, 768}, LayerLayout::kAuto, "encoder_layer_6");
  CHECK((vit.channels == 768 && vit.height == 14 && vit.width == 14 && vit.class_token()));
  CHECK(vit.describe() == "768 units on 14x14 tokens, class token aside");
  CHECK(unit_grid(Shape{56, 56, 96}, LayerLayout::kAuto, "x").describe() == "96 units on 56x56, channels last");
  // The guess overridden: an ambiguous [8, 8, 8] read channels-last.
  CHECK(unit_grid(Shape{8, 8, 8}, LayerLayout::kAuto, "x").layout == LayerLayout::kChannels);
  CHECK(unit_grid(Shape{8, 8, 8}, LayerLayout::kChannelsLast, "x").layout == LayerLayout::kChannelsLast);
  CHECK_THROWS_WITH_AS(unit_grid(Shape{197, 768}, LayerLayout::kTokens, "blocks.3"),
                       "layer blocks.3 gives [197, 768] per sample: 197 tokens are no square grid (try --layout cls-tokens)", Error);
  CHECK_THROWS_WITH_AS(unit_grid(Shape{30, 7}, LayerLayout::kAuto, "seq"),
                       doctest::Contains("layer seq gives [30, 7] per sample, which is neither"), Error);
  CHECK_THROWS_WITH_AS(parse_layout("chw"), doctest::Contains("--layout is \"chw\""), Error);
  CHECK(parse_layout("cls-tokens") == LayerLayout::kClassTokens);
}

TEST_CASE("tokens become maps on their grid, the class token aside, and back") {
  // A class token, then a 2 x 2 grid of 3 channels: token t = 1 + y * 2 + x holds 1000 n + 100 t + c.
  at::Tensor tokens = at::empty({2, 5, 3});
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 5; ++t)
      for (int c = 0; c < 3; ++c) tokens[n][t][c] = 1000 * n + 100 * t + c;
  const UnitGrid grid = unit_grid(Shape{5, 3}, LayerLayout::kAuto, "x");
  at::Tensor cls;
  const at::Tensor maps = to_unit_maps(tokens, grid, &cls);
  REQUIRE(maps.sizes() == at::IntArrayRef({2, 3, 2, 2}));
  CHECK(maps[1][2][1][0].item<float>() == 1000 + 100 * 3 + 2);  // y 1, x 0: token 3
  CHECK(cls[1][2].item<float>() == 1002);
  CHECK(at::equal(from_unit_maps(maps, unit_grid(Shape{4, 3}, LayerLayout::kTokens, "x"), 0.0), tokens.narrow(1, 1, 4)));
  // Channels last.
  const at::Tensor nhwc = at::arange(2 * 4 * 4 * 3, at::kFloat).reshape({2, 4, 4, 3});
  const UnitGrid last = unit_grid(Shape{4, 4, 3}, LayerLayout::kAuto, "x");
  const at::Tensor as_maps = to_unit_maps(nhwc, last);
  CHECK(at::equal(as_maps, nhwc.permute({0, 3, 1, 2})));
  CHECK(at::equal(from_unit_maps(as_maps, last, 0.0), nhwc));
}

TEST_CASE("an ablation zeroes a token unit in every token, and a painted mask spares the class token") {
  const Shape shape{5, 3};  // class token + 2 x 2
  UnitEdit off;
  off.layer = "blocks.1";
  off.units = {1};
  const LayerEdit e = to_layer_edit(off, shape);
  const at::Tensor x = at::ones({1, 5, 3});
  const at::Tensor y = x * e.scale + e.shift;
  CHECK(y.select(2, 1).sum().item<float>() == 0.0f);   // unit 2, all 5 tokens
  CHECK(y.select(2, 0).sum().item<float>() == 5.0f);
  UnitEdit painted = off;
  painted.mask = {1.0f, 0.0f, 0.0f, 0.0f};  // the top-left patch only
  painted.mask_height = painted.mask_width = 2;
  const LayerEdit m = to_layer_edit(painted, shape);
  const at::Tensor z = x * m.scale + m.shift;
  CHECK(z[0][1][1].item<float>() == 0.0f);  // token 1 = patch (0, 0)
  CHECK(z[0][0][1].item<float>() == 1.0f);  // the class token
  CHECK(z[0][2][1].item<float>() == 1.0f);
  CHECK(z.select(2, 0).sum().item<float>() == 5.0f);
  // Channels last: unit 3 of [2, 2, 3] set to 7.
  UnitEdit on;
  on.layer = "stage";
  on.units = {2};
  on.op = EditOp::kReplace;
  on.value = 7.0f;
  const LayerEdit r = to_layer_edit(on, Shape{2, 2, 3}, LayerLayout::kChannelsLast);
  const at::Tensor w = at::zeros({1, 2, 2, 3}) * r.scale + r.shift;
  CHECK(w.select(3, 2).sum().item<float>() == 28.0f);
  CHECK(w.select(3, 0).sum().item<float>() == 0.0f);
}

TEST_CASE("the live session shows a token layer as maps on its grid, and edits reach every token") {
  // Tokens: the class token (zeros), then the image's pixels as 3-channel patch tokens; the head
  // averages the tokens into 3 class scores.
  torch::jit::Module tokens("Tokens");
  tokens.define(R"(def forward(self, x):
    t = torch.flatten(x, 2).transpose(1, 2)
    return torch.cat([torch.zeros_like(t[:, 0:1]), t], 1)
)");
  torch::jit::Module head("Head");
  head.define("def forward(self, t):\n    return torch.mean(t, 1)\n");
  torch::jit::Module net("TokenNet");
  net.register_module("tokens", tokens);
  net.register_module("head", head);
  net.define("def forward(self, x):\n    return self.head.forward(self.tokens.forward(x))\n");
  const auto path = unitscope::test::scratch_dir("layer_layout_live") / "tokens.pt";
  net.save(path.string());
  LiveOptions o;
  o.model.source = path.string();
  o.model.overrides.mean = std::array<float, 3>{0, 0, 0};
  o.model.overrides.std = std::array<float, 3>{1, 1, 1};
  LiveSession session(o);
  CHECK(session.layer() == "tokens");  // the default: the only layer with maps
  Image image(4, 4, 3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) image.at(x, y)[c] = static_cast<std::uint8_t>(10 * c + 4 * y + x);
  LiveRequest request;
  request.image = image;
  const LiveFrame frame = session.run(request);
  REQUIRE((frame.channels == 3 && frame.height == 4 && frame.width == 4));
  CHECK(frame.activations[2 * 16 + 1 * 4 + 3] == 10 * 2 + 4 * 1 + 3);  // unit 3 at (3, 1)
  CHECK(frame.unit_max[1] == 10 + 15);
  // Unit 1 switched off everywhere: its class score (the mean over the 17 tokens) becomes 0.
  request.edits = {UnitEdit{"tokens", {1}, EditOp::kMultiply, 0.0f, {}, 0, 0}};
  const LiveFrame off = session.run(request);
  CHECK(off.unit_max[1] == 0.0f);
  REQUIRE(off.top.size() == 3);
  for (const Prediction& p : off.top) {
    if (p.index == 1) CHECK(p.probability < off.top.front().probability);
  }
}
