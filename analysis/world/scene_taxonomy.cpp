#include "analysis/world/scene_taxonomy.h"

#include <algorithm>
#include <cassert>

namespace unitscope::analysis {

namespace {

constexpr std::string_view kCategoryNames[kWorldCategoryCount] = {"color",    "object", "part",
                                                                  "material", "scene",  "texture"};

constexpr std::string_view kColorNames[] = {"black", "blue",   "brown", "green", "grey",  "orange",
                                            "pink",  "purple", "red",   "white", "yellow"};
constexpr std::string_view kObjectNames[] = {
    "sky",    "cloud",  "sun",    "bird",     "mountain", "hill",    "grass", "field",
    "sand",   "water",  "road",   "sidewalk", "path",     "tree",    "palm",  "bush",
    "flower", "cactus", "rock",   "house",    "fence",    "car",     "boat",  "pier",
    "bridge", "lamp",   "person", "umbrella", "bench",    "haystack"};
constexpr std::string_view kPartNames[] = {
    "wall", "roof", "door",    "window", "chimney", "trunk", "crown", "wheel",  "hull",   "sail",
    "mast", "pole", "lantern", "head",   "torso",   "leg",   "deck",  "pillar", "canopy", "seat"};
constexpr std::string_view kMaterialNames[] = {"wood",   "brick",   "plaster", "glass",
                                               "metal",  "foliage", "stone",   "water",
                                               "fabric", "asphalt", "tile",    "straw"};
constexpr std::string_view kSceneNames[] = {"beach",  "forest", "street", "village",       "harbor",
                                            "desert", "farm",   "lake",   "mountain pass", "park"};
constexpr std::string_view kTextureNames[] = {"striped", "dotted",       "chequered", "zigzagged",
                                              "grid",    "crosshatched", "wavy"};

static_assert(std::size(kColorNames) == world_color::kCount);
static_assert(std::size(kObjectNames) == world_object::kCount);
static_assert(std::size(kPartNames) == world_part::kCount);
static_assert(std::size(kMaterialNames) == world_material::kCount);
static_assert(std::size(kSceneNames) == scene_class::kCount);
static_assert(std::size(kTextureNames) == world_texture::kCount);

std::span<const std::string_view> names_of(WorldCategory category) {
  switch (category) {
    case WorldCategory::kColor:
      return kColorNames;
    case WorldCategory::kObject:
      return kObjectNames;
    case WorldCategory::kPart:
      return kPartNames;
    case WorldCategory::kMaterial:
      return kMaterialNames;
    case WorldCategory::kScene:
      return kSceneNames;
    case WorldCategory::kTexture:
      return kTextureNames;
  }
  return {};
}

}  // namespace

std::string_view category_name(WorldCategory category) { return kCategoryNames[int(category)]; }

const WorldTaxonomy& WorldTaxonomy::get() {
  static const WorldTaxonomy taxonomy;
  return taxonomy;
}

std::span<const std::string_view> WorldTaxonomy::names(WorldCategory category) const {
  return names_of(category);
}

WorldTaxonomy::WorldTaxonomy() {
  labels_.push_back({0, "-", {}});
  // Numbers follow category order, so each category's numbers form a block, as in Broden.
  for (int c = 0; c < kWorldCategoryCount; ++c) {
    auto category = WorldCategory(c);
    for (std::string_view name : names_of(category)) {
      auto same = std::find_if(labels_.begin(), labels_.end(),
                               [&](const WorldLabel& l) { return l.name == name; });
      if (same != labels_.end()) {
        same->categories.push_back(category);
        numbers_[c].push_back(std::uint16_t(same->number));
        continue;
      }
      int number = int(labels_.size());
      labels_.push_back({number, std::string(name), {category}});
      numbers_[c].push_back(std::uint16_t(number));
    }
  }
  assert(labels_.size() < 65536);
}

}  // namespace unitscope::analysis
