// SceneWorld's concepts in one table: scene classes, objects, parts, materials, colours, textures.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace unitscope::analysis {

// Broden's categories, in Broden's column order (index.csv, category.csv).
enum class WorldCategory : std::uint8_t { kColor, kObject, kPart, kMaterial, kScene, kTexture };
inline constexpr int kWorldCategoryCount = 6;
std::string_view category_name(WorldCategory category);
// Pixel-level categories have label PNGs; scene is image-level.
inline bool is_pixel_category(WorldCategory category) { return category != WorldCategory::kScene; }
// Label planes per image in SceneWorld: parts have two (a part, and a part of that part).
inline int world_plane_count(WorldCategory category) {
  return category == WorldCategory::kPart ? 2 : is_pixel_category(category) ? 1 : 0;
}

// Local ids per category; WorldTaxonomy maps them to Broden's global label numbers.
namespace scene_class {
enum Id : std::uint8_t {
  kBeach,
  kForest,
  kStreet,
  kVillage,
  kHarbor,
  kDesert,
  kFarm,
  kLake,
  kMountainPass,
  kPark,
  kCount
};
}
namespace world_object {
enum Id : std::uint8_t {
  kSky,
  kCloud,
  kSun,
  kBird,
  kMountain,
  kHill,
  kGrass,
  kField,
  kSand,
  kWater,
  kRoad,
  kSidewalk,
  kPath,
  kTree,
  kPalm,
  kBush,
  kFlower,
  kCactus,
  kRock,
  kHouse,
  kFence,
  kCar,
  kBoat,
  kPier,
  kBridge,
  kLamp,
  kPerson,
  kUmbrella,
  kBench,
  kHaystack,
  kCount
};
}
namespace world_part {
enum Id : std::uint8_t {
  kWall,
  kRoof,
  kDoor,
  kWindow,
  kChimney,
  kTrunk,
  kCrown,
  kWheel,
  kHull,
  kSail,
  kMast,
  kPole,
  kLantern,
  kHead,
  kTorso,
  kLeg,
  kDeck,
  kPillar,
  kCanopy,
  kSeat,
  kCount
};
}
namespace world_material {
enum Id : std::uint8_t {
  kWood,
  kBrick,
  kPlaster,
  kGlass,
  kMetal,
  kFoliage,
  kStone,
  kWater,
  kFabric,
  kAsphalt,
  kTile,
  kStraw,
  kCount
};
}
namespace world_color {
enum Id : std::uint8_t {
  kBlack,
  kBlue,
  kBrown,
  kGreen,
  kGrey,
  kOrange,
  kPink,
  kPurple,
  kRed,
  kWhite,
  kYellow,
  kCount
};
}
namespace world_texture {
enum Id : std::uint8_t {
  kStriped,
  kDotted,
  kChequered,
  kZigzagged,
  kGrid,
  kCrosshatched,
  kWavy,
  kCount
};
}

struct WorldLabel {
  int number = 0;
  std::string name;
  std::vector<WorldCategory> categories;  // first is the primary one
};

// Built once on first use; safe to use from any thread.
class WorldTaxonomy {
 public:
  static const WorldTaxonomy& get();

  // Global label numbers are dense: labels()[n].number == n, labels()[0] is "-" (none). A name that
  // exists in two categories (water: object and material) has one number, as in Broden.
  const std::vector<WorldLabel>& labels() const { return labels_; }
  std::uint16_t number(WorldCategory category, int local) const {
    return numbers_[int(category)][std::size_t(local)];
  }
  // Global numbers of a category's concepts, in local-id order.
  std::span<const std::uint16_t> numbers(WorldCategory category) const {
    return numbers_[int(category)];
  }
  std::span<const std::string_view> names(WorldCategory category) const;

 private:
  WorldTaxonomy();
  std::vector<WorldLabel> labels_;
  std::array<std::vector<std::uint16_t>, kWorldCategoryCount> numbers_;
};

}  // namespace unitscope::analysis
