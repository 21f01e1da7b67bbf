// Geometry of the ablation panel's line plots: data to screen mapping, axis ticks and polylines,
// kept free of ImGui so it can be tested.
#pragma once

#include <span>
#include <vector>

namespace unitscope::engine {

struct PlotPoint {
  float x = 0.0f, y = 0.0f;
};

// Maps data (x right, y up) into a screen rectangle (y down), as ImGui's draw lists expect.
struct PlotScale {
  double x_min = 0.0, x_max = 1.0, y_min = 0.0, y_max = 1.0;
  float left = 0.0f, top = 0.0f, right = 1.0f, bottom = 1.0f;

  float x(double v) const;
  float y(double v) const;
};

// Round tick values (steps of 1, 2 or 5 times a power of ten) covering [lo, hi], at most about
// `max_ticks` of them; empty when the range is empty or not finite.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks);

// The y range for curves of accuracies: [lo, hi] of the finite values, widened to round tenths
// and clamped to [0, 1]; [0, 1] when there are none.
void curve_y_range(std::span<const std::span<const double>> curves, double& lo, double& hi);

// values[k] at x = k as screen points, split into runs at NaN or infinite values.
std::vector<std::vector<PlotPoint>> curve_polylines(const PlotScale& scale, std::span<const double> values);

}  // namespace unitscope::engine
