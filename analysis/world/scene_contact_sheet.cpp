#include "analysis/world/scene_contact_sheet.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <string>

namespace unitscope::analysis {

namespace {

// 5x7 capitals, one byte per row, bit 4 is the leftmost pixel.
constexpr std::uint8_t kGlyphs[26][7] = {
    {14, 17, 17, 31, 17, 17, 17}, {30, 17, 17, 30, 17, 17, 30}, {14, 17, 16, 16, 16, 17, 14},
    {30, 17, 17, 17, 17, 17, 30}, {31, 16, 16, 30, 16, 16, 31}, {31, 16, 16, 30, 16, 16, 16},
    {14, 17, 16, 23, 17, 17, 15}, {17, 17, 17, 31, 17, 17, 17}, {14, 4, 4, 4, 4, 4, 14},
    {7, 2, 2, 2, 2, 18, 12},      {17, 18, 20, 24, 20, 18, 17}, {16, 16, 16, 16, 16, 16, 31},
    {17, 27, 21, 21, 17, 17, 17}, {17, 17, 25, 21, 19, 17, 17}, {14, 17, 17, 17, 17, 17, 14},
    {30, 17, 17, 30, 16, 16, 16}, {14, 17, 17, 17, 21, 18, 13}, {30, 17, 17, 30, 20, 18, 17},
    {15, 16, 16, 14, 1, 1, 30},   {31, 4, 4, 4, 4, 4, 4},       {17, 17, 17, 17, 17, 17, 14},
    {17, 17, 17, 17, 17, 10, 4},  {17, 17, 17, 21, 21, 21, 10}, {17, 17, 10, 4, 10, 17, 17},
    {17, 17, 10, 4, 4, 4, 4},     {31, 1, 2, 4, 8, 16, 31},
};

constexpr std::uint8_t kObjectColors[world_object::kCount][3] = {
    {135, 190, 240}, {235, 235, 235}, {255, 220, 0},   {70, 0, 100},    {125, 100, 90},
    {120, 170, 80},  {40, 170, 40},   {205, 205, 70},  {240, 210, 150}, {30, 70, 210},
    {70, 70, 70},    {175, 175, 175}, {185, 135, 80},  {0, 95, 0},      {0, 210, 130},
    {90, 125, 0},    {255, 0, 160},   {0, 140, 110},   {145, 140, 165}, {220, 40, 40},
    {160, 90, 20},   {255, 120, 0},   {0, 205, 255},   {120, 60, 0},    {150, 0, 40},
    {255, 255, 130}, {255, 0, 255},   {255, 165, 200}, {110, 50, 160},  {235, 170, 0},
};

void fill(Image& image, int x0, int y0, int x1, int y1, std::array<std::uint8_t, 3> color) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image.width);
  y1 = std::min(y1, image.height);
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) std::copy(color.begin(), color.end(), image.at(x, y));
  }
}

void blit(Image& dst, const Image& src, int ox, int oy) {
  for (int y = 0; y < src.height && oy + y < dst.height; ++y) {
    std::copy_n(src.at(0, y), std::size_t(std::min(src.width, dst.width - ox)) * 3,
                dst.at(ox, oy + y));
  }
}

}  // namespace

std::array<std::uint8_t, 3> object_display_color(int object) {
  assert(object >= 0 && object < world_object::kCount);
  const auto& c = kObjectColors[object];
  return {c[0], c[1], c[2]};
}

void draw_text(Image& image, int x, int y, std::string_view text, std::array<std::uint8_t, 3> color,
               int scale) {
  for (char ch : text) {
    int letter = std::toupper(static_cast<unsigned char>(ch)) - 'A';
    if (letter >= 0 && letter < 26) {
      for (int row = 0; row < 7; ++row) {
        for (int col = 0; col < 5; ++col) {
          if (kGlyphs[letter][row] & (16 >> col)) {
            fill(image, x + col * scale, y + row * scale, x + (col + 1) * scale,
                 y + (row + 1) * scale, color);
          }
        }
      }
    }
    x += 6 * scale;
  }
}

Image colorize_objects(const Scene& scene) {
  const auto& taxonomy = WorldTaxonomy::get();
  auto numbers = taxonomy.numbers(WorldCategory::kObject);
  // Global number to object id; 0 and non-objects map to black.
  std::vector<int> object_of(taxonomy.labels().size(), -1);
  for (std::size_t i = 0; i < numbers.size(); ++i) object_of[numbers[i]] = int(i);
  const auto& plane = scene.planes_of(WorldCategory::kObject).at(0);
  Image out(scene.image.width, scene.image.height, 3);
  const int sx = std::max(1, (scene.image.width + scene.label_width - 1) / scene.label_width);
  const int sy = std::max(1, (scene.image.height + scene.label_height - 1) / scene.label_height);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int ly = std::min(y / sy, scene.label_height - 1),
          lx = std::min(x / sx, scene.label_width - 1);
      int object = object_of[plane[std::size_t(ly) * scene.label_width + lx]];
      if (object >= 0) {
        auto c = object_display_color(object);
        std::copy(c.begin(), c.end(), out.at(x, y));
      }
    }
  }
  return out;
}

Image render_contact_sheet(const SceneWorld& world, std::uint64_t first, int count, int columns) {
  assert(count > 0 && columns > 0);
  const int w = world.options().width, h = world.options().height;
  const int gap = 6, caption = 12, pair_w = 2 * w + 2, cell_w = pair_w + gap,
            cell_h = h + caption + gap;
  const int rows = (count + columns - 1) / columns;
  const auto& taxonomy = WorldTaxonomy::get();
  auto object_names = taxonomy.names(WorldCategory::kObject);
  const int sheet_w = gap + columns * cell_w;
  // The legend flows in rows of swatch + name entries.
  const int text_scale = sheet_w >= 1000 ? 2 : 1, entry_h = 9 * text_scale + 6;
  int legend_rows = 1, lx = gap;
  for (auto name : object_names) {
    int entry_w = 12 * text_scale + int(name.size()) * 6 * text_scale + 12;
    if (lx + entry_w > sheet_w) {
      ++legend_rows;
      lx = gap;
    }
    lx += entry_w;
  }
  const int grid_h = gap + rows * cell_h;
  Image sheet(sheet_w, grid_h + legend_rows * entry_h + gap, 3);
  fill(sheet, 0, 0, sheet.width, sheet.height, {24, 24, 28});
  const auto scene_names = taxonomy.names(WorldCategory::kScene);
  Scene scene;
  for (int i = 0; i < count; ++i) {
    world.generate(first + std::uint64_t(i), scene);
    const int x = gap + (i % columns) * cell_w, y = gap + (i / columns) * cell_h;
    draw_text(sheet, x, y, scene_names[std::size_t(scene.scene_class)], {230, 230, 230});
    blit(sheet, scene.image, x, y + caption);
    blit(sheet, colorize_objects(scene), x + w + 2, y + caption);
  }
  lx = gap;
  int ly = grid_h;
  for (std::size_t o = 0; o < object_names.size(); ++o) {
    int entry_w = 12 * text_scale + int(object_names[o].size()) * 6 * text_scale + 12;
    if (lx + entry_w > sheet_w) {
      lx = gap;
      ly += entry_h;
    }
    fill(sheet, lx, ly, lx + 9 * text_scale, ly + 9 * text_scale, object_display_color(int(o)));
    draw_text(sheet, lx + 12 * text_scale, ly + text_scale, object_names[o], {230, 230, 230},
              text_scale);
    lx += entry_w;
  }
  return sheet;
}

}  // namespace unitscope::analysis
