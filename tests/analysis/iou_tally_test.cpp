// IoU tallies without LibTorch: arranging labels, top-k, merging, and scoring by both conventions
// against counts worked out by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <utility>
#include <cmath>
#include <random>
#include <cstdint>
#include <vector>

#include "analysis/data/broden_dataset.h"
#include "analysis/dissect/dissection_report.h"
#include "analysis/data/error.h"
#include "analysis/stats/iou_tally.h"
#include "analysis/stats/upsample.h"

using namespace unitscope::analysis;

TEST_CASE("arrange_labels counts every plane and keeps image-level labels") {
  BrodenSample s;
  s.sh = 2;
  s.sw = 2;
  s.image = "a.jpg";
  s.labels.resize(2);
  s.labels[0].planes = {{0, 3, 3, 5}, {3, 3, 0, 0}};  // pixel 1 carries label 3 in both planes
  s.labels[1].image_labels = {7, 7};
  const ImageLabels l = arrange_labels(s, 8);
  REQUIRE(l.label_ids == std::vector<std::int32_t>{3, 5});
  CHECK(l.pixel_totals == std::vector<std::int64_t>{4, 1});
  // Row 0: pixel 0 carries 3 (second plane), pixel 1 carries 3 twice; row 1: 3, then 5.
  CHECK(l.row_runs == std::vector<std::int32_t>{0, 2, 4});
  CHECK(l.run_end == std::vector<std::int32_t>{1, 2, 1, 2});
  CHECK(l.slots_at(0, 0) == std::vector<std::int32_t>{0});
  CHECK(l.slots_at(1, 0) == std::vector<std::int32_t>{0, 0});
  CHECK(l.slots_at(0, 1) == std::vector<std::int32_t>{0});
  CHECK(l.slots_at(1, 1) == std::vector<std::int32_t>{1});
  CHECK(l.scalars == std::vector<std::int32_t>{7, 7});
  IouTally t(1, 8, 2, 0);
  add_label_pixels(t, l);
  CHECK(t.label_pixels == std::vector<std::int64_t>{0, 0, 0, 4, 0, 1, 0, 8});

  s.labels[0].planes[1][2] = 9;
  CHECK_THROWS_AS(arrange_labels(s, 8), Error);
}

TEST_CASE("top images keep the k largest maxima, ties to the lower position") {
  IouTally t(1, 1, 1, 3);
  t.offer_top(0, 1.0f, 5);
  t.offer_top(0, 3.0f, 9);
  t.offer_top(0, 3.0f, 2);
  t.offer_top(0, 0.5f, 1);
  t.offer_top(0, 2.0f, 7);
  REQUIRE(t.top[0].size() == 3);
  CHECK(t.top[0][0] == TopImage{3.0f, 2});
  CHECK(t.top[0][1] == TopImage{3.0f, 9});
  CHECK(t.top[0][2] == TopImage{2.0f, 7});
}

TEST_CASE("tallies of disjoint image sets merge to the tally of their union") {
  // The same five image contributions, applied to one tally or split across two.
  auto contribute = [](IouTally& t, int image) {
    t.images += 1;
    t.inter(image % 2, image % 3) += image + 1;
    t.activation[static_cast<std::size_t>(image % 2)] += 10 + image;
    t.act_cat(image % 2, image % 2) += 10 + image;
    t.label_pixels[static_cast<std::size_t>(image % 3)] += 4;
    t.offer_top(0, static_cast<float>(image % 3), static_cast<std::uint64_t>(image));
    t.offer_top(1, static_cast<float>(image), static_cast<std::uint64_t>(image));
  };
  IouTally whole(2, 3, 2, 2), a(2, 3, 2, 2), b(2, 3, 2, 2);
  for (int i = 0; i < 5; ++i) contribute(whole, i);
  for (int i = 0; i < 2; ++i) contribute(a, i);
  for (int i = 2; i < 5; ++i) contribute(b, i);
  IouTally ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  CHECK(ab == whole);
  CHECK(ba == whole);
  CHECK_THROWS(ab.merge(IouTally(3, 3, 2, 2)));

  std::vector<std::uint8_t> bytes;
  whole.serialize(bytes);
  std::size_t offset = 0;
  CHECK(IouTally::deserialize(bytes, offset) == whole);
}

namespace {

// Two categories (0: object, 1: scene); labels 1, 2 object, 3 object (rare), 4 scene; 0 none.
// Unit 0: A = 100 pixels in total; 60 of them in images with an object under an activated pixel,
// 30 in images with scene label 4.
IouTally hand_tally() {
  IouTally t(3, 5, 2, 0);
  t.images = 10;
  t.label_pixels = {0, 200, 50, 10, 400};
  // unit 0
  t.activation[0] = 100;
  t.act_cat(0, 0) = 60;
  t.act_cat(0, 1) = 30;
  t.inter(0, 1) = 40;
  t.inter(0, 2) = 30;
  t.inter(0, 3) = 10;
  t.inter(0, 4) = 30;
  // unit 1: never active
  // unit 2: labels 1 and 2 tie exactly; scene ties with object under netdissect-lite
  t.activation[2] = 50;
  t.act_cat(2, 0) = 50;
  t.act_cat(2, 1) = 50;
  t.inter(2, 1) = 25;
  t.inter(2, 2) = 25;
  t.label_pixels[2] = 200;  // now labels 1 and 2 both have L = 200
  t.inter(2, 4) = 0;
  return t;
}

const std::vector<int> kLabelCategory{-1, 0, 0, 0, 1};

}  // namespace

TEST_CASE("netdissect-lite scoring follows NetDissect-Lite's formulas and tie rules") {
  IouTally t = hand_tally();
  t.label_pixels[4] = 45;  // for unit 2: scene IoU 0 vs object IoU; unit 0: scene IoU 30/(30+45-30)
  const auto s = score_units(t, kLabelCategory, Convention::kNetDissectLite);
  // unit 0, object labels use A_object = 60.
  CHECK(s[0].iou[1] == 40.0 / (60 + 200 - 40 + 1e-10));
  CHECK(s[0].iou[2] == 30.0 / (60 + 200 - 30 + 1e-10));  // L[2] is 200 in hand_tally
  CHECK(s[0].iou[3] == 10.0 / (60 + 10 - 10 + 1e-10));    // the rare concept: 10/60
  CHECK(s[0].iou[4] == 30.0 / (30 + 45 - 30 + 1e-10));    // scene uses A_scene = 30: 30/45
  CHECK(s[0].best[0].label == 1);  // 40/220 beats the rare label 3's 10/60
  CHECK(s[0].best[0].truth == 200);
  CHECK(s[0].best[0].activation == 60);
  CHECK(s[0].best[0].intersect == 40);
  CHECK(s[0].best[1].label == 4);
  CHECK(s[0].category == 1);  // 30/45 > 10/60
  CHECK(s[0].label == 4);
  CHECK(s[0].detector());
  // unit 1: nothing; argmax of zeros is label 0; the later category wins the tie.
  CHECK(s[1].best[0].label == 0);
  CHECK(s[1].best[0].iou == 0.0);
  CHECK(s[1].label == 0);
  CHECK(s[1].category == 1);
  CHECK(!s[1].detector());
  // unit 2: labels 1 and 2 tie (25 / (50 + 200 - 25)); the lower number wins.
  CHECK(s[2].iou[1] == s[2].iou[2]);
  CHECK(s[2].best[0].label == 1);
  CHECK(s[2].category == 0);
  CHECK(ranking(s) == std::vector<int>{0, 2, 1});
}

TEST_CASE("pnas scoring uses the whole-dataset activation and no epsilon") {
  const IouTally t = hand_tally();
  const auto s = score_units(t, kLabelCategory, Convention::kPnas);
  CHECK(s[0].iou[1] == 40.0 / (100 + 200 - 40));
  CHECK(s[0].iou[3] == 10.0 / (100 + 10 - 10));
  CHECK(s[0].iou[4] == 30.0 / (100 + 400 - 30));
  CHECK(s[0].label == 1);  // 40/260 beats 30/270, 10/100 and 30/470
  CHECK(s[0].category == 0);
  CHECK(s[0].score == 40.0 / 260.0);
  CHECK(s[0].best[1].label == 4);
  CHECK(s[0].best[1].activation == 100);
  // Never active: 0, not NaN; a label with no pixels and no activation is 0/0 -> 0.
  CHECK(s[1].iou[0] == 0.0);
  CHECK(s[1].score == 0.0);
  CHECK(s[1].label == 0);
  CHECK(s[1].category == -1);
  // Ties to the lowest label number.
  CHECK(s[2].label == 1);
  // The detector cut-off is strict: exactly 0.04 is not a detector.
  UnitScore edge;
  edge.score = 0.04;
  CHECK(!edge.detector());
  edge.score = 0.0400001;
  CHECK(edge.detector());
}

TEST_CASE("tally.csv has NetDissect-Lite's columns, 1-based units sorted by score") {
  DissectionResult r;
  r.convention = Convention::kNetDissectLite;
  r.categories = {"object", "scene"};
  r.label_names = {"", "sky", "tree", "door", "street"};
  r.label_category = kLabelCategory;
  LayerResult layer;
  layer.layer = "features.28";
  layer.tally = hand_tally();
  layer.tally.label_pixels[4] = 45;
  const auto scores = score_units(layer.tally, kLabelCategory, Convention::kNetDissectLite);
  for (int u = 0; u < 3; ++u) {
    UnitResult ur;
    ur.unit = u;
    ur.score = scores[static_cast<std::size_t>(u)];
    layer.units.push_back(ur);
  }
  const std::string csv = tally_csv(r, layer);
  const std::string header =
      "unit,category,label,score,object-label,object-truth,object-activation,object-intersect,"
      "object-iou,scene-label,scene-truth,scene-activation,scene-intersect,scene-iou\n";
  INFO(csv);
  REQUIRE(csv.substr(0, header.size()) == header);
  const std::string rows = csv.substr(header.size());
  CHECK(rows.rfind("1,scene,street,0.6666666666651851,sky,200,60,40,0.1818181818180992,street,45,30,30,", 0) == 0);
  CHECK(rows.find("\n3,object,sky,") != std::string::npos);
  CHECK(rows.find("\n2,scene,,0.0,,0,0,0,0.0,,0,0,0,0.0\n") != std::string::npos);
  CHECK(layer_dir_name("layer4.1/conv 2") == "layer4.1_conv_2");
}

TEST_CASE("visit_above finds exactly the pixels a full bilinear resampling puts above the cutoff") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> value(-1.0f, 3.0f);
  for (const auto& [h, w, oh, ow] : std::vector<std::array<int, 4>>{
           {7, 7, 112, 112}, {14, 9, 112, 96}, {3, 3, 4, 4}, {1, 1, 5, 5}, {224, 224, 112, 112}, {8, 8, 8, 8}}) {
    std::vector<float> map(static_cast<std::size_t>(h * w));
    for (auto& v : map) v = value(rng) * value(rng);
    const BilinearAxis ys(h, oh), xs(w, ow);
    std::vector<float> full(static_cast<std::size_t>(oh * ow));
    upsample_bilinear(map, ys, xs, full);
    for (const float cutoff : {0.5f, 2.0f, 8.9f}) {
      for (const bool inclusive : {false, true}) {
        std::vector<char> seen(full.size(), 0);
        std::size_t visits = 0;
        visit_above(map.data(), ys, xs, cutoff, inclusive, [&](std::size_t p, float v) {
          CHECK(v == full[p]);
          seen[p] = 1;
          ++visits;
        });
        std::size_t expected = 0;
        for (std::size_t p = 0; p < full.size(); ++p) {
          const bool above = inclusive ? full[p] >= cutoff : full[p] > cutoff;
          expected += above ? 1 : 0;
          if (above != (seen[p] != 0)) FAIL_CHECK("pixel " << p << " of " << oh << "x" << ow);
        }
        CHECK(visits == expected);
      }
    }
  }
  // Identity size copies; half-pixel centres with clamped edges at 2 -> 4.
  const BilinearAxis a(2, 4);
  CHECK(a.i0 == std::vector<int>{0, 0, 0, 1});
  CHECK(a.i1 == std::vector<int>{1, 1, 1, 1});
  CHECK(a.t == std::vector<float>{0.0f, 0.25f, 0.75f, 0.25f});  // the last reads input 1 twice
  CHECK(a.begin == std::vector<int>{0, 3, 4});
}

TEST_CASE("visit_spans_above covers exactly visit_above's pixels in maximal spans, also where whole blocks clear the cutoff") {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  for (const auto& [h, w, oh, ow] : std::vector<std::array<int, 4>>{{7, 7, 112, 112}, {28, 28, 112, 112}, {3, 5, 8, 9}}) {
    std::vector<float> map(static_cast<std::size_t>(h * w));
    // Plateaus of equal values (every block inside is above a cutoff just below them) and noise.
    for (std::size_t i = 0; i < map.size(); ++i) map[i] = (i / 5) % 2 ? 0.7f : value(rng);
    const BilinearAxis ys(h, oh), xs(w, ow);
    for (const float cutoff : {0.2f, 0.5f, std::nextafter(0.7f, 0.0f), 0.7f, 0.95f}) {
      std::vector<std::size_t> with_values, pixels;
      visit_above(map.data(), ys, xs, cutoff, false, [&](std::size_t p, float) { with_values.push_back(p); });
      std::vector<float> rows(static_cast<std::size_t>(h));
      row_maxima(map.data(), h, w, rows.data());
      int last_y = -1, last_end = -1;
      bool ordered = true;
      visit_spans_above(map.data(), ys, xs, cutoff, rows.data(), [&](int y, int x0, int x1) {
        // Rows in order, spans left to right with a gap between them (else they would be one).
        ordered &= x0 < x1 && (y > last_y || (y == last_y && x0 > last_end));
        last_y = y;
        last_end = x1;
        for (int x = x0; x < x1; ++x) pixels.push_back(static_cast<std::size_t>(y * ow + x));
      });
      CHECK(ordered);
      std::sort(with_values.begin(), with_values.end());
      CHECK(pixels == with_values);
      if (cutoff < 0.7f) CHECK(!pixels.empty());
    }
  }
}

TEST_CASE("visit_band visits every pixel inside the band with its exact value, and skips most above it") {
  std::mt19937 rng(8);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  for (const auto& [h, w, oh, ow] : std::vector<std::array<int, 4>>{{7, 7, 112, 112}, {28, 28, 112, 112}, {3, 5, 8, 9}}) {
    std::vector<float> map(static_cast<std::size_t>(h * w));
    // Plateaus far above the band (whole blocks to skip) and noise through it.
    for (std::size_t i = 0; i < map.size(); ++i) map[i] = (i / 5) % 2 ? 5.0f : value(rng);
    const BilinearAxis ys(h, oh), xs(w, ow);
    std::vector<float> full(static_cast<std::size_t>(oh * ow));
    upsample_bilinear(map, ys, xs, full);
    for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{0.5f, 0.6f}, {0.9f, 1.0f}, {0.3f, 5.0f}}) {
      std::vector<char> seen(full.size(), 0);
      std::size_t visits = 0;
      visit_band(map.data(), ys, xs, lo, hi, [&](std::size_t p, float v) {
        CHECK(v == full[p]);
        CHECK(v >= lo);
        seen[p] = 1;
        ++visits;
      });
      std::size_t above = 0;
      for (std::size_t p = 0; p < full.size(); ++p) {
        if (full[p] >= lo && full[p] < hi && !seen[p]) FAIL_CHECK("pixel " << p << " of " << oh << "x" << ow);
        above += full[p] >= lo ? 1 : 0;
      }
      if (hi < 2.0f) CHECK(visits < above);  // the plateaus' blocks were skipped
    }
  }
}

TEST_CASE("mask layers darken what the unit misses and outline what it finds") {
  const std::vector<float> map{0, 0, 0, 9};  // only the bottom-right corner is above 1
  const Image layer = mask_layer(map, 2, 2, 1.0f, 8);
  REQUIRE(layer.channels == 4);
  CHECK(layer.at(0, 0)[3] == 170);  // outside: darkened
  CHECK(layer.at(6, 6)[3] == 0);    // inside: clear
  CHECK(layer.at(6, 6)[0] == 0);
  bool outlined = false;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) outlined |= layer.at(x, y)[3] == 255;
  }
  CHECK(outlined);
}
