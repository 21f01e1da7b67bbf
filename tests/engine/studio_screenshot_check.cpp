// Checks a studio screenshot (PNG plus the PNG.json the studio writes beside it): not blank, every
// named window present with a title bar and text in it, the unit mask's outline drawn inside the
// viewport's image and nowhere else in the viewport window, and the panels' layout.
// Usage: studio_screenshot_check SHOT.png|STATE.json [--expect-mask] [--window TITLE]...
//          [--expect-layout W H] [--expect-default] [--customised yes|no] [--expect-rect TITLE X Y W H]...
//   --expect-layout W H  a W x H window; all nine panels inside it below the menu bar, none overlapping
//                        another, none too small to use
//   --expect-default     every panel exactly where the default layout for that size puts it
//   --customised yes|no  whether the studio holds the layout for the user's
//   --expect-rect ...    one panel's rectangle, within a pixel
//   --fit TITLE          nothing in that window runs past its right edge (the sidecar's "overflow")
//   --expect-captions    side by side: a caption (light text on a dark box) at the top of each half
//   --still FILE SCALE   FILE is the viewport rendered again at SCALE times its size: exactly that
//                        size, the same picture as the screenshot's viewport, and its mask outline
//                        as thin as on screen (an upscaled screenshot's is SCALE times as wide)
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/data/image.h"
#include "engine/app/studio_layout.h"

namespace {

using unitscope::analysis::Image;

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
  failures += !ok;
}

struct Box {
  int x0, y0, x1, y1;
};

Box box_of(const nlohmann::json& r, const Image& img) {
  auto clampi = [](double v, int hi) { return std::max(0, std::min(hi, int(std::lround(v)))); };
  const double x = r[0], y = r[1], w = r[2], h = r[3];
  return {clampi(x, img.width), clampi(y, img.height), clampi(x + w, img.width), clampi(y + h, img.height)};
}

// The mask outline's colour (OverlayStyle's default outline: 1, 0.85, 0.2).
bool outline(const std::uint8_t* p) { return p[0] > 215 && p[1] > 170 && p[1] < 240 && p[2] < 110; }

using unitscope::engine::LayoutRect;

struct LayoutExpectations {
  int width = 0, height = 0;  // --expect-layout; 0: not checked
  bool exact_default = false;
  std::string customised;     // "yes", "no" or "" (not checked)
  std::vector<std::pair<std::string, LayoutRect>> rects;
};

LayoutRect rect_of(const nlohmann::json& r) { return {r[0], r[1], r[2], r[3]}; }

std::string text_of(const LayoutRect& r) {
  char s[96];
  std::snprintf(s, sizeof s, "(%g, %g, %g x %g)", r.x, r.y, r.w, r.h);
  return s;
}

// Smaller than this, a panel shows too little of its controls to use: a fitted layout stays above.
constexpr float kUsableWidth = 120.0f, kUsableHeight = 100.0f;

void check_layout(const nlohmann::json& meta, const LayoutExpectations& want) {
  namespace layout = unitscope::engine;
  const nlohmann::json& windows = meta["windows"];
  if (!want.customised.empty()) {
    const bool customised = meta["layout"]["customised"];
    expect(customised == (want.customised == "yes"), std::string("layout customised: ") + (customised ? "yes" : "no"));
  }
  for (const auto& [title, r] : want.rects) {
    const bool ok = windows.contains(title) && layout::nearly_equal(rect_of(windows[title]), r, 1.0f);
    expect(ok, "window '" + title + "' at " + text_of(r) +
                   (windows.contains(title) ? ": it is at " + text_of(rect_of(windows[title])) : ": missing"));
  }
  if (want.width <= 0) return;
  const float w = meta["display"][0], h = meta["display"][1];
  expect(w == float(want.width) && h == float(want.height),
         "display " + std::to_string(int(w)) + "x" + std::to_string(int(h)) + ", expected " +
             std::to_string(want.width) + "x" + std::to_string(want.height));
  const LayoutRect area = rect_of(meta["layout"]["work_area"]);
  expect(area.y > 0 && area.y < 40 && area.w == w && area.bottom() == h, "work area below the menu bar " + text_of(area));
  const layout::PanelRects defaults = layout::default_layout(area);
  std::vector<std::pair<std::string, LayoutRect>> panels;
  for (std::size_t i = 0; i < layout::kPanelCount; ++i) {
    const std::string title = layout::panel_titles()[i];
    if (!windows.contains(title)) {
      expect(false, "panel '" + title + "' present");
      continue;
    }
    const LayoutRect r = rect_of(windows[title]);
    panels.push_back({title, r});
    expect(layout::contains(area, r, 0.5f), "panel '" + title + "' " + text_of(r) + " inside " + text_of(area));
    expect(r.w >= kUsableWidth && r.h >= kUsableHeight, "panel '" + title + "' " + text_of(r) + " big enough to use");
    if (want.exact_default)
      expect(layout::nearly_equal(r, defaults[i], 0.5f),
             "panel '" + title + "' " + text_of(r) + " at its default " + text_of(defaults[i]));
  }
  for (std::size_t i = 0; i < panels.size(); ++i)
    for (std::size_t j = i + 1; j < panels.size(); ++j)
      expect(!layout::overlaps(panels[i].second, panels[j].second, 0.5f),
             "'" + panels[i].first + "' " + text_of(panels[i].second) + " and '" + panels[j].first + "' " +
                 text_of(panels[j].second) + " do not overlap");
}

}  // namespace

// The pixels: not blank, each named window's title drawn, and the mask where it belongs.
void check_pixels(const Image& img, const nlohmann::json& meta, const std::vector<std::string>& windows,
                  bool expect_mask) {
  // Not blank: many colours and real contrast.
  std::set<std::uint32_t> colours;
  double sum = 0, sum2 = 0;
  const std::size_t n = std::size_t(img.width) * img.height;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = img.pixels.data() + i * 3;
    colours.insert(std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]);
    const double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    sum += l;
    sum2 += l * l;
  }
  const double stddev = std::sqrt(std::max(0.0, sum2 / double(n) - (sum / double(n)) * (sum / double(n))));
  expect(colours.size() > 200, "not blank: " + std::to_string(colours.size()) + " colours");
  expect(stddev > 12, "contrast: luminance stddev " + std::to_string(stddev));

  // Each window: inside the screen, and its title bar holds text (pixels unlike the bar's own colour).
  for (const std::string& title : windows) {
    if (!meta["windows"].contains(title)) {
      expect(false, "window '" + title + "' present");
      continue;
    }
    const Box b = box_of(meta["windows"][title], img);
    expect(b.x1 - b.x0 > 40 && b.y1 - b.y0 > 30, "window '" + title + "' has a real size");
    const int bar_y0 = b.y0 + 2, bar_y1 = std::min(b.y0 + 17, b.y1);
    const std::uint8_t* bar = img.at(std::max(b.x1 - 4, b.x0), b.y0 + 3);
    int text = 0;
    for (int y = bar_y0; y < bar_y1; ++y)
      for (int x = b.x0 + 4; x < std::min(b.x0 + 120, b.x1); ++x) {
        const std::uint8_t* p = img.at(x, y);
        text += std::abs(p[0] - bar[0]) + std::abs(p[1] - bar[1]) + std::abs(p[2] - bar[2]) > 90;
      }
    expect(text > 15, "window '" + title + "' title text (" + std::to_string(text) + " pixels)");
  }

  // The mask: outline pixels inside the viewport's image, none elsewhere in the viewport window.
  if (expect_mask) {
    const Box image = box_of(meta["viewport_image"], img);
    const Box window = box_of(meta["windows"]["Viewport"], img);
    int inside = 0, outside = 0;
    for (int y = window.y0; y < window.y1; ++y)
      for (int x = window.x0; x < window.x1; ++x) {
        if (!outline(img.at(x, y))) continue;
        // The outline is antialiased over the image's edge, which may sit between two pixels.
        const bool in_image = x >= image.x0 - 2 && x < image.x1 + 2 && y >= image.y0 - 2 && y < image.y1 + 2;
        (in_image ? inside : outside) += 1;
      }
    const int area = (image.x1 - image.x0) * (image.y1 - image.y0);
    expect(inside > 30, "mask outline inside the viewport image (" + std::to_string(inside) + " pixels)");
    expect(inside < area / 2, "the mask does not cover the whole image");
    expect(outside == 0, "no outline outside the image (" + std::to_string(outside) + " pixels)");
  }
}

// Light text on a dark box, centred at the top of each image of a side-by-side viewport.
void check_captions(const Image& img, const nlohmann::json& meta) {
  if (!meta.contains("viewport_original") || meta["viewport_original"].is_null()) {
    expect(false, "the viewport shows original and edited side by side");
    return;
  }
  for (const char* key : {"viewport_original", "viewport_image"}) {
    const Box b = box_of(meta[key], img);
    const int cx = (b.x0 + b.x1) / 2;
    int dark = 0, light = 0;
    for (int y = b.y0; y < std::min(b.y1, b.y0 + 28); ++y)
      for (int x = std::max(b.x0, cx - 40); x < std::min(b.x1, cx + 40); ++x) {
        const std::uint8_t* p = img.at(x, y);
        dark += p[0] < 60 && p[1] < 60 && p[2] < 60;
        light += p[0] > 200 && p[1] > 200 && p[2] > 200;
      }
    expect(dark > 300 && light > 20, std::string("a caption over ") + key + " (" + std::to_string(dark) +
                                         " box and " + std::to_string(light) + " text pixels)");
  }
}

void check_still(const Image& shot, const nlohmann::json& meta, const std::string& file, int scale) {
  const Image still = unitscope::analysis::read_image(file, 3);
  const nlohmann::json& v = meta["viewport_view"];
  const int x0 = int(std::lround(double(v[0]))), y0 = int(std::lround(double(v[1])));
  const int w = v[2], h = v[3];
  expect(still.width == w * scale && still.height == h * scale,
         "still " + std::to_string(still.width) + "x" + std::to_string(still.height) + " is " + std::to_string(scale) +
             " x the viewport's " + std::to_string(w) + "x" + std::to_string(h));
  if (still.width != w * scale || still.height != h * scale || x0 < 0 || y0 < 0 || x0 + w > shot.width ||
      y0 + h > shot.height)
    return;
  // Each screenshot pixel against the mean of its SCALE x SCALE block in the still.
  double off = 0;
  const double block = double(scale) * scale;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        double mean = 0;
        for (int j = 0; j < scale; ++j)
          for (int i = 0; i < scale; ++i) mean += still.at(x * scale + i, y * scale + j)[c];
        off += std::abs(mean / block - shot.at(x0 + x, y0 + y)[c]);
      }
  off /= 3.0 * w * h;
  expect(off < 6.0, "the still shows the viewport's picture (mean difference " + std::to_string(off) + " of 255)");
  // The mask's outline is drawn a fixed number of pixels wide: rendered again, SCALE times as long
  // keeps that width (about SCALE times the pixels); a screenshot scaled up is SCALE times as wide
  // too (SCALE squared times the pixels).
  int on_screen = 0, in_still = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) on_screen += outline(shot.at(x0 + x, y0 + y));
  for (int y = 0; y < still.height; ++y)
    for (int x = 0; x < still.width; ++x) in_still += outline(still.at(x, y));
  const double ratio = on_screen > 0 ? double(in_still) / on_screen : 0.0;
  expect(on_screen > 30 && ratio > 0.5 * scale && ratio < 0.5 * (scale + block),
         "the still's outline is drawn at its own resolution: " + std::to_string(in_still) + " pixels against " +
             std::to_string(on_screen) + " on screen (x" + std::to_string(ratio) + "; an upscaled screenshot has x" +
             std::to_string(int(block)) + ")");
}

// A control or label laid out past a window's right edge is cut there: the studio records by how much.
void check_fit(const nlohmann::json& meta, const std::vector<std::string>& titles) {
  for (const std::string& title : titles) {
    if (!meta.contains("overflow") || !meta["overflow"].contains(title)) {
      expect(false, "window '" + title + "' has an overflow entry");
      continue;
    }
    const float px = meta["overflow"][title];
    // ImGui rounds a text's measured width up by up to 0.95 px (CalcTextSize), so wrapped text can
    // measure 1 px past its wrap width without a pixel of it being cut.
    expect(px <= 1.0f, "window '" + title + "' contents fit its width (" + std::to_string(px) + " px over)");
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SHOT.png|STATE.json [--expect-mask] [--window TITLE]... [--expect-layout W H] "
                 "[--expect-default] [--customised yes|no] [--expect-rect TITLE X Y W H]... [--fit TITLE]... "
                 "[--expect-captions] [--still FILE SCALE]\n",
                 argv[0]);
    return 2;
  }
  const std::string shot = argv[1];
  // A .json alone (a live studio's --state-file) has no pixels: only its layout is checked.
  const bool json_only = shot.size() > 5 && shot.compare(shot.size() - 5, 5, ".json") == 0;
  bool expect_mask = false;
  std::vector<std::string> windows, fit;
  std::string still;
  int still_scale = 0;
  bool captions = false;
  LayoutExpectations layout;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const int left = argc - 1 - i;
    if (a == "--expect-mask") {
      expect_mask = true;
    } else if (a == "--window" && left >= 1) {
      windows.push_back(argv[++i]);
    } else if (a == "--expect-captions") {
      captions = true;
    } else if (a == "--still" && left >= 2) {
      still = argv[i + 1];
      still_scale = std::atoi(argv[i + 2]);
      i += 2;
    } else if (a == "--fit" && left >= 1) {
      fit.push_back(argv[++i]);
    } else if (a == "--expect-layout" && left >= 2) {
      layout.width = std::atoi(argv[i + 1]);
      layout.height = std::atoi(argv[i + 2]);
      i += 2;
    } else if (a == "--expect-default") {
      layout.exact_default = true;
    } else if (a == "--customised" && left >= 1) {
      layout.customised = argv[++i];
    } else if (a == "--expect-rect" && left >= 5) {
      layout.rects.push_back({argv[i + 1], {std::strtof(argv[i + 2], nullptr), std::strtof(argv[i + 3], nullptr),
                                            std::strtof(argv[i + 4], nullptr), std::strtof(argv[i + 5], nullptr)}});
      i += 5;
    } else {
      std::fprintf(stderr, "%s: unknown or incomplete option %s\n", argv[0], a.c_str());
      return 2;
    }
  }
  std::ifstream in(json_only ? shot : shot + ".json");
  nlohmann::json meta;
  in >> meta;
  if (json_only && (expect_mask || !windows.empty() || !still.empty() || captions)) {
    std::fprintf(stderr, "%s: --expect-mask, --window, --expect-captions and --still need the screenshot's pixels\n",
                 argv[0]);
    return 2;
  }
  if (!json_only) {
    const Image img = unitscope::analysis::read_image(shot, 3);
    check_pixels(img, meta, windows, expect_mask);
    if (!still.empty()) check_still(img, meta, still, still_scale);
    if (captions) check_captions(img, meta);
  }
  check_layout(meta, layout);
  check_fit(meta, fit);
  return failures ? 1 : 0;
}
