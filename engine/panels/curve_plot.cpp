#include "engine/panels/curve_plot.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace unitscope::engine {

float PlotScale::x(double v) const {
  const double span = x_max - x_min;
  const double t = span != 0.0 ? (v - x_min) / span : 0.0;
  return left + float(t) * (right - left);
}

float PlotScale::y(double v) const {
  const double span = y_max - y_min;
  const double t = span != 0.0 ? (v - y_min) / span : 0.0;
  return bottom - float(t) * (bottom - top);
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi <= lo || max_ticks < 2) return ticks;
  const double raw = (hi - lo) / double(max_ticks - 1);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * 10.0;
  for (double m : {1.0, 2.0, 5.0}) {
    if (power * m >= raw) {
      step = power * m;
      break;
    }
  }
  // Ticks are i * step so that values like 0.3 come out as close to round as doubles allow.
  const auto first = static_cast<long long>(std::ceil(lo / step - 1e-9));
  const auto last = static_cast<long long>(std::floor(hi / step + 1e-9));
  for (long long i = first; i <= last; ++i) ticks.push_back(double(i) * step);
  return ticks;
}

void curve_y_range(std::span<const std::span<const double>> curves, double& lo, double& hi) {
  double mn = 1.0, mx = 0.0;
  bool any = false;
  for (const auto& curve : curves) {
    for (double v : curve) {
      if (!std::isfinite(v)) continue;
      mn = any ? std::min(mn, v) : v;
      mx = any ? std::max(mx, v) : v;
      any = true;
    }
  }
  if (!any) {
    lo = 0.0;
    hi = 1.0;
    return;
  }
  lo = std::clamp(std::floor(mn * 10.0 + 1e-9) / 10.0, 0.0, 1.0);
  hi = std::clamp(std::ceil(mx * 10.0 - 1e-9) / 10.0, 0.0, 1.0);
  if (hi <= lo) {
    if (hi < 1.0) {
      hi = std::min(1.0, lo + 0.1);
    } else {
      lo = 0.9;
    }
  }
}

std::vector<std::vector<PlotPoint>> curve_polylines(const PlotScale& scale, std::span<const double> values) {
  std::vector<std::vector<PlotPoint>> runs;
  bool open = false;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (!std::isfinite(values[k])) {
      open = false;
      continue;
    }
    if (!open) runs.emplace_back();
    open = true;
    runs.back().push_back({scale.x(double(k)), scale.y(values[k])});
  }
  return runs;
}

}  // namespace unitscope::engine
