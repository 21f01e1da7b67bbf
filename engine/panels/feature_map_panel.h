// The feature-map panel: every unit of the chosen layer in a live grid, sorted by activation, IoU,
// importance or label (grouped under headers) and filtered by concept; every tile carries its
// unit number and label; hover names the unit, a click opens it.
#pragma once

#include <string>
#include <vector>

#include "analysis/dissect/dissection_file.h"
#include "analysis/model/live_session.h"
#include "engine/panels/panel.h"
#include "engine/studio/studio_settings.h"

namespace unitscope::engine {

// The units the grid shows, in order. `filter` keeps units whose label or category holds its
// words as whole words (case-insensitive: "tree" keeps "pine tree", not "street"); importance is a unit's largest drop over classes (empty: none known).
std::vector<int> grid_units(int units, SortKey sort, const std::string& filter, const analysis::LiveFrame* frame,
                            const analysis::LayerDissection* dissection, const std::vector<double>& importance);

struct FeatureMapPanel {
  void draw(PanelContext& ctx);
};

}  // namespace unitscope::engine
