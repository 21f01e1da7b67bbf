// Widgets the studio's panels share: their colours, wrapped error text, and a job's progress and
// outcome (progress bar, status, Cancel; the failure or cancellation of the last run).
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>

#include <imgui.h>

#include "engine/jobs/job.h"

namespace unitscope::engine {

inline const ImVec4 kErrorColor(1.0f, 0.35f, 0.35f, 1.0f);
inline const ImVec4 kDimColor(0.6f, 0.6f, 0.6f, 1.0f);

// Red text wrapped at the window's edge; nothing for an empty message.
void error_text(const std::string& message);

// A running job: a progress bar of `done` of `total` (total 0: not known yet) labelled with
// `phase`, the job's status line, a Cancel button and `note` beside it.
void job_progress(JobSlot& job, const char* phase, std::size_t done, std::size_t total, const char* note);
// The item width (negative: measured from the right edge) that leaves room beside the item for
// the widest of `labels`, so labels of narrow panels are never cut at the window's edge.
float label_room(std::initializer_list<const char*> labels);
// The width of a button showing `label`, to size the item before it.
float button_width(const char* label);
// SameLine() when an item `width` wide still fits on the current line; else the item wraps to the next.
void same_line_if_fits(float width);
// Dim text wrapped at the window's edge, e.g. paths that would otherwise run out of a narrow panel.
void dim_wrapped(const std::string& text);
// `text` as the tooltip of the last item while it is hovered.
void hover_tooltip(const std::string& text);
// After a run: its error, or `cancelled` when it was cancelled; nothing when it finished.
void job_outcome(const JobSlot& job, const char* cancelled);
// Remembers the last item's screen rectangle under `key` for the studio's state dump, so tests
// can click a control with real input (x, y, w, h in window pixels).
void mark_item(const char* key);
const std::map<std::string, std::array<float, 4>>& marked_items();

}  // namespace unitscope::engine
