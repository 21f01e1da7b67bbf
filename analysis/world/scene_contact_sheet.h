// A contact sheet of SceneWorld: images beside their colourised object masks, with a legend.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "analysis/data/image.h"
#include "analysis/world/scene_world.h"

namespace unitscope::analysis {

// The display colour of each object (world_object id) in masks and legends.
std::array<std::uint8_t, 3> object_display_color(int object);

// The object plane as an RGB image at the scene's image size (labels upscaled by nearest
// neighbour).
Image colorize_objects(const Scene& scene);

// `count` scenes from index `first` in a grid of `columns` image/mask pairs, captioned with their
// scene class, and a legend of object colours below.
Image render_contact_sheet(const SceneWorld& world, std::uint64_t first = 0, int count = 64,
                           int columns = 8);

// Draws upper-case text (a 5x7 pixel font; other characters as blanks) at (x, y), `scale` pixels
// per font pixel. Clips at the image edges.
void draw_text(Image& image, int x, int y, std::string_view text, std::array<std::uint8_t, 3> color,
               int scale = 1);

}  // namespace unitscope::analysis
