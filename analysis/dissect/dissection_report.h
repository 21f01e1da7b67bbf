// Writes a dissection's files: <layer>/tally.csv, <layer>/dissection.json and the static report.html.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "analysis/dissect/dissection.h"
#include "analysis/data/image.h"

namespace unitscope::analysis {

// The directory name of a layer under DIR: the layer name with anything but [A-Za-z0-9._-] as '_'.
std::string layer_dir_name(const std::string& layer);
// Text for HTML bodies and attribute values: escapes & < > and ".
std::string html_escape(const std::string& s);

// NetDissect-Lite's tally.csv: unit (1-based), category, label, score, then for each category
// <cat>-label, -truth, -activation, -intersect, -iou; rows by score descending, ties by unit.
// Counts are integers; reals are the shortest text that reads back to the same double.
std::string tally_csv(const DissectionResult& result, const LayerResult& layer);
// Every unit: threshold, label, best label per category, IoU per label number, top images.
std::string dissection_json(const DissectionResult& result, const LayerResult& layer);

// The unit's mask over one of its top images, as a size x size RGBA layer to put over the image: the
// map (h x w, row-major) is upsampled bilinearly (half-pixel centres, clamped) to the layer; pixels
// at or below the threshold are darkened and the mask's edge is outlined; inside is transparent.
Image mask_layer(std::span<const float> map, int h, int w, float threshold, int size);

// One drawn exemplar: which image (a key of `images`) and the unit's mask layer over it.
struct ReportThumbnail {
  std::uint64_t image = 0;
  Image mask;
};

// images: RGB thumbnails by image position, each inlined once; thumbnails[layer][unit] draws them
// with the masks on top. Everything is a PNG data URI, so the file opens with no server.
std::string report_html(const DissectionResult& result, const std::map<std::uint64_t, Image>& images,
                        const std::vector<std::vector<std::vector<ReportThumbnail>>>& thumbnails);


}  // namespace unitscope::analysis
