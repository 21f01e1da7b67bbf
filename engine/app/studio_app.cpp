#include "engine/app/studio_app.h"

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
#include <optional>

#include "analysis/data/file_write.h"
#include "engine/studio/image_cache.h"
#include "engine/studio/script_player.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_capture.h"
#include "engine/studio/studio_dissection.h"
#include "engine/app/frame_pacing.h"
#include "engine/jobs/job.h"
#include "engine/panels/panel_widgets.h"
#include "engine/app/studio_frame.h"
#include "engine/studio/studio_settings.h"
#include "engine/app/studio_ui.h"
#include "engine/studio/studio_views.h"
#include "engine/studio/unit_grid.h"
#include "render/context.h"
#include "render/imgui_renderer.h"
#include "render/offscreen_target.h"
#include "render/painter.h"
#include "render/png_sequence.h"
#include "render/presenter.h"
#include "render/renderer.h"
#include "render/video_recorder.h"
#include "render/window.h"

namespace unitscope::engine {

namespace {

constexpr double kFixedStep = 1.0 / 30.0;
// A fixed-step run's window unless --width/--height say otherwise: reproducible, never the size the
// last interactive run remembered.
constexpr int kFixedStepWidth = 1280, kFixedStepHeight = 720;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool display_available() {
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* v = std::getenv(name);
    if (v && *v) return true;
  }
  return false;
}

struct GlfwBackendScope {
  explicit GlfwBackendScope(const render::Window& window) { ImGui_ImplGlfw_InitForVulkan(window.handle(), true); }
  ~GlfwBackendScope() { ImGui_ImplGlfw_Shutdown(); }
  GlfwBackendScope(const GlfwBackendScope&) = delete;
  GlfwBackendScope& operator=(const GlfwBackendScope&) = delete;
};

void write_screenshot(const std::filesystem::path& path, const render::CapturedFrame& frame, const nlohmann::json& meta) {
  render::write_png(path, frame);
  std::ofstream out(path.string() + ".json");
  out << meta.dump(2) << '\n';
  if (!out) throw std::runtime_error("cannot write " + path.string() + ".json");
}

nlohmann::json describe_frame(const StudioUi& ui, const StudioViews& views, const Studio& studio) {
  nlohmann::json j;
  for (const auto& [title, r] : ui.window_rects()) j["windows"][title] = {r[0], r[1], r[2], r[3]};
  for (const auto& [title, px] : ui.window_overflow()) j["overflow"][title] = px;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  const LayoutRect area = ui.layout().area();
  j["display"] = {display.x, display.y};
  j["layout"] = {{"customised", ui.layout().customised()}, {"work_area", {area.x, area.y, area.w, area.h}}};
  const ViewLayout& v = views.layout(ViewId::kViewport);
  j["viewport_image"] = {v.screen_x + v.image.x, v.screen_y + v.image.y, v.image.width, v.image.height};
  j["viewport_view"] = {v.screen_x, v.screen_y, v.width, v.height};
  // Side by side: the unedited image's rect (captioned "original"; the edited one "edited").
  if (v.original)
    j["viewport_original"] = {v.screen_x + v.original->x, v.screen_y + v.original->y, v.original->width,
                              v.original->height};
  else
    j["viewport_original"] = nullptr;
  j["selected_unit"] = studio.settings.selected_unit;
  j["model"] = studio.settings.model;
  j["segmenter"] = studio.settings.segmenter;
  j["concept_filter"] = studio.settings.concept_filter;
  // What the feature grid's concept filter lists: the dissection's labels, from its segmenter.
  j["concepts"] = nlohmann::json::array();
  if (const auto* d = studio.dissection()) {
    std::vector<std::string> labels;
    for (const auto& u : d->units) labels.push_back(u.label);
    for (const auto& c : concept_counts(labels)) j["concepts"].push_back(c.name);
  }
  j["layer"] = studio.settings.layer;
  j["has_dissection"] = studio.dissection() != nullptr;
  j["has_frame"] = studio.frame() != nullptr;
  j["computing"] = studio.computing();
  j["toggles"] = studio.settings.toggles.size();
  j["paint_strokes"] = studio.paint().size();
  // Per stroke: how many points the drag gave, and their bounds (x0, y0, x1, y1 in 0..1 of the image).
  j["paint_points"] = nlohmann::json::array();
  j["paint_extent"] = nlohmann::json::array();
  for (const PaintLayer& p : studio.paint()) {
    j["paint_points"].push_back(p.points.size());
    std::array<float, 4> e{1, 1, 0, 0};
    for (const auto& [x, y] : p.points) e = {std::min(e[0], x), std::min(e[1], y), std::max(e[2], x), std::max(e[3], y)};
    j["paint_extent"].push_back(p.points.empty() ? std::array<float, 4>{} : e);
  }
  j["undo_steps"] = studio.undo_steps();
  j["brush_active"] = studio.brush().active;
  j["world_index"] = studio.settings.world_index;
  j["source_index"] = studio.settings.source_index;
  j["gan_index"] = studio.settings.gan_index_a;
  j["model_error"] = studio.model_error();
  for (const auto& [key, r] : marked_items()) j["items"][key] = r;
  return j;
}

// --state-file: replaced whole (a reader never sees half a file), only when the state changed; a
// failed write is reported once.
void write_state(const std::filesystem::path& path, const nlohmann::json& state, std::string& last) {
  std::string text = state.dump(2) + "\n";
  if (text == last) return;
  try {
    analysis::write_file_atomic(path, text);
  } catch (const std::exception& e) {
    if (last.empty()) std::fprintf(stderr, "unitscope: %s\n", e.what());
  }
  last = std::move(text);
}

void ensure_dissection(Studio& studio, bool quiet) {
  if (studio.dissection() || studio.settings.layer.empty()) return;
  StudioDissectionRequest r;
  r.model = studio.model_path();
  r.layers = {studio.settings.layer};
  r.generator = studio.is_generator();
  if (r.generator) r.segmenter = studio.settings.segmenter;
  r.out = studio.dissection_cache_dir();
  if (!quiet)
    std::fprintf(stderr, "\nunitscope record: dissecting %s of %s first (cached in %s)\n", studio.settings.layer.c_str(),
                 studio.settings.model.c_str(), r.out.string().c_str());
  analysis::DissectProgress progress;
  run_studio_dissection(r, progress);
  studio.reload_dissection();
  if (!studio.dissection() && !studio.dissection_error().empty()) throw std::runtime_error(studio.dissection_error());
}

}  // namespace

std::string no_display_message() {
  return "unitscope: no display, so the studio cannot open a window.\n"
         "  Headless commands work without one: unitscope dissect, gan-dissect, intervene, ablate, attack,\n"
         "  eval, world, layers, and `unitscope record --script S.json --out talk.mp4`.\n"
         "  To run the studio without a screen: xvfb-run -a -s \"-screen 0 1280x720x24\" unitscope\n";
}

namespace {

// One studio window's run: what the loop draws with, in construction order (destroyed in reverse).
struct WindowedStudio {
  WindowedStudio(const StudioRunOptions& o, StudioSettings settings, const render::ContextOptions& context_options,
                 int width, int height)
      : context(context_options),
        window("unitscope studio", width, height),
        glfw_backend(window),
        presenter(context, window, o.vsync),
        studio(std::move(settings), o.frames > 0),
        gpu(context, studio, &capture) {}

  render::Context context;
  render::Window window;
  GlfwBackendScope glfw_backend;
  render::Presenter presenter;
  Studio studio;
  StudioCapture capture;
  StudioGpu gpu;
};

// Anything that moves without input, so the loop must keep drawing at full rate.
bool studio_busy(const WindowedStudio& w, bool script_playing) {
  return script_playing || w.studio.computing() || w.studio.source().playing() || w.studio.source().opening() ||
         w.capture.recording() || w.capture.ring_seconds() > 0;
}

constexpr double kJobFrameSeconds = 0.1;

// The moment a timed element needs its next frame: a caption's end, a text cursor's blink.
double next_timer(const Studio& studio, double now) {
  double t = std::numeric_limits<double>::infinity();
  if (!studio.caption().empty() && studio.caption_until() > now) t = studio.caption_until();
  if (ImGui::GetCurrentContext() && ImGui::GetIO().WantTextInput) t = std::min(t, now + 0.5);
  // A background job's progress bar: ten frames a second, leaving the cores to the job.
  if (jobs_running() > 0) t = std::min(t, now + kJobFrameSeconds);
  return t;
}

// Records and presents one frame. Returns false when the swapchain skipped it.
bool render_frame(WindowedStudio& w, double now, bool screenshot_frame, std::optional<render::CapturedFrame>& shot) {
  render::Frame& frame = w.gpu.renderer.begin_frame();
  if (!w.presenter.acquire(frame, w.window.framebuffer_extent())) {
    w.gpu.renderer.end_frame();
    return false;
  }
  StudioCapture& capture = w.capture;
  if (auto still = capture.take_still_request()) {
    const ViewLayout& v = w.gpu.views.layout(ViewId::kViewport);
    const VkExtent2D extent{std::uint32_t(std::max(v.width, 64) * still->second),
                            std::uint32_t(std::max(v.height, 64) * still->second)};
    w.gpu.views.render_still(frame, w.studio, extent, [&capture, path = still->first](render::CapturedFrame&& f) {
      capture.still_done(path, std::move(f));
    });
  }
  render::OffscreenTarget& target = w.presenter.target();
  w.gpu.record(frame, w.studio, target);
  if (capture.wants_viewport_frame(now))
    w.gpu.views.read_back(frame, ViewId::kViewport,
                          [&capture, now](render::CapturedFrame&& f) { capture.consume_viewport(std::move(f), now); });
  if (capture.wants_window_frame(now))
    target.read_back(frame, [&capture, now](render::CapturedFrame&& f) { capture.consume_window(std::move(f), now); });
  if (screenshot_frame) target.read_back(frame, [&shot](render::CapturedFrame&& f) { shot = std::move(f); });
  w.presenter.present(w.gpu.renderer, frame);
  return true;
}

void update_times(FrameTimes& t, double frame_start_s, double ui_seconds, double total_seconds, double& last_start) {
  t.ui_ms = ui_seconds * 1e3;
  t.upload_ms = (total_seconds - ui_seconds) * 1e3;
  t.frame_ms = (frame_start_s - last_start) * 1e3;
  last_start = frame_start_s;
  if (t.frame_ms > 0) t.fps = t.fps <= 0 ? 1e3 / t.frame_ms : 0.95 * t.fps + 0.05 * (1e3 / t.frame_ms);
}

// Writes the window size, imgui.ini and studio.json; a failure is reported, never fatal.
void save_on_exit(const WindowedStudio& w, bool fixed_step, const std::filesystem::path& ini,
                  const std::filesystem::path& settings_file) {
  StudioSettings settings = w.studio.settings;
  const VkExtent2D extent = w.window.framebuffer_extent();
  if (!fixed_step && extent.width > 0 && extent.height > 0) {
    settings.window_width = int(extent.width);
    settings.window_height = int(extent.height);
  }
  try {
    ImGui::SaveIniSettingsToDisk(ini.string().c_str());
    save_settings(settings_file, settings);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unitscope: settings not saved: %s\n", e.what());
  }
}

}  // namespace

int run_studio(const StudioRunOptions& o) {
  if (!display_available()) {
    std::fputs(no_display_message().c_str(), stderr);
    return 2;
  }
  const std::filesystem::path config = config_dir();
  const std::filesystem::path settings_file = config / "studio.json";
  StudioSettings settings;
  if (o.remember) settings = load_settings(settings_file).value_or(StudioSettings{});
  if (!o.model.empty()) {
    // Another model keeps no segmenter that was paired with the last one.
    if (o.model != settings.model) settings.segmenter.clear();
    settings.model = o.model;
  }
  if (o.segmenter) settings.segmenter = *o.segmenter;
  if (!o.dissection.empty()) settings.dissection = o.dissection.string();
  std::optional<ScriptPlayer> player;
  if (!o.script.empty()) player.emplace(load_script(o.script));
  const bool fixed_step = o.frames > 0;

  render::ContextOptions context_options;
  try {
    context_options.instance_extensions = render::Window::required_instance_extensions();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s  (%s)\n", no_display_message().c_str(), e.what());
    return 2;
  }
  context_options.swapchain = true;
  // ImGui keeps a pointer to the ini path until its context is destroyed, so the path outlives it.
  const std::string ini = (config / "imgui.ini").string();
  ImGuiScope imgui_scope;
  if (o.remember) {
    std::filesystem::create_directories(config);
    ImGui::GetIO().IniFilename = ini.c_str();
  }
  const int width = o.width > 0 ? o.width : fixed_step ? kFixedStepWidth : settings.window_width;
  const int height = o.height > 0 ? o.height : fixed_step ? kFixedStepHeight : settings.window_height;
  WindowedStudio w(o, settings, context_options, width, height);
  if (player) {
    player->on_reset_layout([&w] { w.gpu.ui.reset_layout(); });
    player->on_still([&w](const std::string& path, int scale) { w.capture.request_still(resolve_output(path), scale); });
  }

  const auto start = std::chrono::steady_clock::now();
  std::int64_t script_frame = -1;
  std::optional<render::CapturedFrame> screenshot;
  nlohmann::json screenshot_meta;
  std::string state_text;  // what --state-file holds
  double last_frame_start = 0.0;
  int exit_code = 0;
  FramePacer pacer;
  auto pacing = [&](double now) {
    PacingState p;
    p.fixed_step = fixed_step;
    p.minimised = w.window.framebuffer_extent().width == 0;
    p.busy = studio_busy(w, player && script_frame + 1 < player->script().frame_count());
    p.events = w.window.event_count();
    p.now = now;
    p.next_timer = next_timer(w.studio, now);
    return p;
  };
  for (std::int64_t n = 0; !w.window.should_close() && (o.frames <= 0 || n < o.frames);) {
    render::Window::wait_events(pacer.wait_seconds(pacing(seconds_since(start))));
    const double now = fixed_step ? double(n) * kFixedStep : seconds_since(start);
    try {
      if (player) {
        const auto target = fixed_step ? n : std::int64_t(now * player->script().fps);
        while (script_frame < target) player->apply_frame(++script_frame, w.studio);
      }
    } catch (const std::exception& e) {
      w.studio.set_inference_error(e.what());
      player.reset();
      exit_code = fixed_step ? 1 : 0;
    }
    if (!pacer.should_draw(pacing(now))) continue;
    const auto frame_start = std::chrono::steady_clock::now();
    w.studio.update(now);
    ImGui_ImplGlfw_NewFrame();
    if (fixed_step) ImGui::GetIO().DeltaTime = float(kFixedStep);
    ImGui::NewFrame();
    w.gpu.ui.draw();
    ImGui::Render();
    if (!o.state_file.empty()) write_state(o.state_file, describe_frame(w.gpu.ui, w.gpu.views, w.studio), state_text);
    const bool shot = o.frames > 0 && n + 1 == o.frames && !o.screenshot.empty();
    if (shot) screenshot_meta = describe_frame(w.gpu.ui, w.gpu.views, w.studio);
    const double ui_done = seconds_since(frame_start);
    ++n;
    if (!render_frame(w, now, shot, screenshot)) continue;
    FrameTimes times = w.studio.times();
    update_times(times, std::chrono::duration<double>(frame_start - start).count(), ui_done,
                 seconds_since(frame_start), last_frame_start);
    w.studio.set_frame_times(times);
  }
  w.gpu.renderer.wait_idle();
  w.capture.stop();
  if (!o.screenshot.empty()) {
    if (!screenshot) {
      std::fprintf(stderr, "unitscope: no frame was rendered for the screenshot %s\n", o.screenshot.string().c_str());
      return 1;
    }
    write_screenshot(o.screenshot, *screenshot, screenshot_meta);
  }
  if (o.remember) save_on_exit(w, fixed_step, ini, settings_file);
  if (!w.studio.inference_error().empty() && exit_code)
    std::fprintf(stderr, "unitscope: %s\n", w.studio.inference_error().c_str());
  return exit_code;
}

int run_record(const RecordRunOptions& o) {
  StudioScript script = load_script(o.script);
  const bool quiet = o.quiet;
  ScriptPlayer player(script, [quiet](Studio& studio) { ensure_dissection(studio, quiet); });
  player.check_supported();
  std::unique_ptr<render::VideoRecorder> video;
  std::unique_ptr<render::PngSequenceRecorder> png;
  if (o.png) {
    render::PngSequenceOptions po;
    po.width = script.width;
    po.height = script.height;
    png = std::make_unique<render::PngSequenceRecorder>(o.out, po);
  } else {
    render::VideoOptions vo;
    vo.width = script.width;
    vo.height = script.height;
    vo.fps = script.fps;
    vo.preset = "veryfast";
    video = std::make_unique<render::VideoRecorder>(o.out, vo);
  }
  // The studio's defaults, never the user's remembered settings: a replay depends on the script only.
  HeadlessStudio headless(script.width, script.height, StudioSettings{}, true, 1.0f / float(script.fps));
  player.on_reset_layout([&headless] { headless.ui().reset_layout(); });
  const std::int64_t frames = script.frame_count();
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t n = 0; n < frames; ++n) {
    player.apply_frame(n, headless.studio());
    headless.frame(player.frame_time(n), [&](render::CapturedFrame&& f) {
      if (video) video->push(f.rgba);
      if (png) png->push(f.rgba);
    });
    if (!quiet && (n + 1) % script.fps == 0)
      std::fprintf(stderr, "\runitscope record: %lld / %lld frames", static_cast<long long>(n + 1),
                   static_cast<long long>(frames));
  }
  headless.finish();
  if (video) video->finish();
  if (png) png->finish();
  if (!quiet)
    std::fprintf(stderr, "\runitscope record: %lld frames (%.1f s at %d fps) in %.1f s -> %s\n",
                 static_cast<long long>(frames), double(frames) / script.fps, script.fps, seconds_since(start),
                 o.out.string().c_str());
  return 0;
}

}  // namespace unitscope::engine
