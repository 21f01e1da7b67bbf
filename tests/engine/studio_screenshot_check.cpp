// Checks a studio screenshot (PNG plus the PNG.json the studio writes beside it): not blank, every
// named window present with a title bar and text in it, and the unit mask's outline drawn inside
// the viewport's image and nowhere else in the viewport window.
// Usage: studio_screenshot_check SHOT.png [--expect-mask] [--window TITLE]...
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "analysis/data/image.h"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s SHOT.png [--expect-mask] [--window TITLE]...\n", argv[0]);
    return 2;
  }
  const std::string png = argv[1];
  bool expect_mask = false;
  std::vector<std::string> windows;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--expect-mask") expect_mask = true;
    if (a == "--window" && i + 1 < argc) windows.push_back(argv[++i]);
  }
  const Image img = unitscope::analysis::read_image(png, 3);
  std::ifstream in(png + ".json");
  nlohmann::json meta;
  in >> meta;

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
  return failures ? 1 : 0;
}
