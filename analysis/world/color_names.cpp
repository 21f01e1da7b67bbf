#include "analysis/world/color_names.h"

#include <array>
#include <cmath>
#include <memory>

#include "analysis/world/scene_taxonomy.h"

namespace unitscope::analysis {

namespace {

struct Lab {
  double l, a, b;
};

double linearize(double c) {
  c /= 255.0;
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

double lab_f(double t) {
  constexpr double kDelta = 6.0 / 29.0;
  return t > kDelta * kDelta * kDelta ? std::cbrt(t) : t / (3 * kDelta * kDelta) + 4.0 / 29.0;
}

Lab to_lab(double r8, double g8, double b8) {
  double r = linearize(r8), g = linearize(g8), b = linearize(b8);
  // sRGB to XYZ (D65), normalised by the white point.
  double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

struct Prototype {
  int name;
  std::uint8_t r, g, b;
};

// Several prototypes per name shape each name's region: light sky blue is blue, dark olive is
// green.
constexpr Prototype kPrototypes[] = {
    {world_color::kBlack, 0, 0, 0},        {world_color::kBlack, 35, 35, 40},
    {world_color::kBlue, 30, 60, 180},     {world_color::kBlue, 70, 130, 210},
    {world_color::kBlue, 140, 185, 230},   {world_color::kBlue, 30, 50, 100},
    {world_color::kBrown, 100, 60, 30},    {world_color::kBrown, 150, 105, 65},
    {world_color::kBrown, 70, 45, 25},     {world_color::kBrown, 190, 150, 100},
    {world_color::kGreen, 40, 130, 40},    {world_color::kGreen, 110, 170, 70},
    {world_color::kGreen, 40, 80, 35},     {world_color::kGreen, 60, 150, 110},
    {world_color::kGrey, 90, 90, 95},      {world_color::kGrey, 140, 140, 145},
    {world_color::kGrey, 185, 185, 190},   {world_color::kOrange, 235, 130, 30},
    {world_color::kOrange, 240, 165, 80},  {world_color::kPink, 235, 150, 180},
    {world_color::kPink, 230, 110, 150},   {world_color::kPurple, 115, 55, 145},
    {world_color::kPurple, 160, 110, 190}, {world_color::kRed, 200, 30, 30},
    {world_color::kRed, 140, 25, 30},      {world_color::kWhite, 245, 245, 245},
    {world_color::kWhite, 220, 220, 215},  {world_color::kYellow, 240, 215, 40},
    {world_color::kYellow, 235, 220, 130},
};

struct PrototypeTable {
  std::array<Lab, std::size(kPrototypes)> lab;
  PrototypeTable() {
    for (std::size_t i = 0; i < lab.size(); ++i) {
      lab[i] = to_lab(kPrototypes[i].r, kPrototypes[i].g, kPrototypes[i].b);
    }
  }
};

const PrototypeTable& prototypes() {
  static const PrototypeTable table;
  return table;
}

int nearest(double r, double g, double b) {
  Lab c = to_lab(r, g, b);
  const auto& table = prototypes();
  int best = 0;
  double best_d = 1e30;
  for (std::size_t i = 0; i < table.lab.size(); ++i) {
    double dl = c.l - table.lab[i].l, da = c.a - table.lab[i].a, db = c.b - table.lab[i].b;
    double d = dl * dl + da * da + db * db;
    if (d < best_d) {
      best_d = d;
      best = kPrototypes[i].name;
    }
  }
  return best;
}

constexpr int kBits = 6;
constexpr int kSide = 1 << kBits;

struct NameTable {
  std::unique_ptr<std::uint8_t[]> names{new std::uint8_t[kSide * kSide * kSide]};
  NameTable() {
    // Each cell is named after its centre colour.
    auto centre = [](int q) { return (q << (8 - kBits)) + (1 << (7 - kBits)) - 0.5; };
    for (int r = 0; r < kSide; ++r) {
      for (int g = 0; g < kSide; ++g) {
        for (int b = 0; b < kSide; ++b) {
          names[(r * kSide + g) * kSide + b] =
              std::uint8_t(nearest(centre(r), centre(g), centre(b)));
        }
      }
    }
  }
};

}  // namespace

int color_name_exact(std::uint8_t r, std::uint8_t g, std::uint8_t b) { return nearest(r, g, b); }

int color_name(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  static const NameTable table;
  constexpr int kShift = 8 - kBits;
  return table.names[((r >> kShift) * kSide + (g >> kShift)) * kSide + (b >> kShift)];
}

}  // namespace unitscope::analysis
