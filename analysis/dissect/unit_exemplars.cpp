#include "analysis/dissect/unit_exemplars.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "analysis/data/error.h"
#include "analysis/data/unit_numbering.h"
#include "analysis/model/live_session.h"
#include "analysis/dissect/exemplar_mask.h"

namespace unitscope::analysis {

namespace {

// gan-dissect records the latent seed of its samples next to them.
std::uint64_t latent_seed(const std::filesystem::path& dataset) {
  const std::filesystem::path file = dataset / "gan_samples.json";
  std::ifstream in(file);
  if (!in) {
    throw Error("the dissection's dataset " + dataset.string() +
                          " is not gan-dissect's samples (no gan_samples.json), so its latents are unknown");
  }
  try {
    return nlohmann::json::parse(in).at("seed").get<std::uint64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("cannot read the latent seed from " + file.string() + ": " + e.what());
  }
}

}  // namespace

void composite_unit_exemplars(LiveSession& session, const ExemplarRequest& request, std::stop_token stop,
                              const std::function<void(std::size_t, Image)>& each,
                              const std::function<void(std::size_t, const std::string&)>& skipped) {
  const bool generator = session.info().kind == LiveKind::kGenerator;
  const std::uint64_t seed = generator ? latent_seed(request.dataset) : 0;
  for (std::size_t i = 0; i < request.top.size(); ++i) {
    if (stop.stop_requested()) return;
    const UnitTopImage& t = request.top[i];
    std::string why = "the dissection names no dataset";
    std::optional<Image> image;
    if (!t.path.empty()) image = try_read_image(t.path, 3, &why);
    LiveFrame frame;
    if (generator) {
      LiveRequest r;
      r.latent_a = LatentPoint{seed, std::uint64_t(t.row)};
      r.latent_b = r.latent_a;
      frame = session.run(r);
      if (!image) image = std::move(frame.image);  // the same pixels gan-dissect wrote
    } else {
      if (!image) {
        skipped(i, t.image + ": " + why);
        continue;
      }
      frame = std::move(session.run_images({*image}).at(0));
    }
    if (request.unit < 0 || request.unit >= frame.channels) {
      throw Error("layer " + frame.layer + " has " + std::to_string(frame.channels) +
                            " units; the dissection's unit " + std::to_string(unit_number(request.unit)) +
                            " is not among them");
    }
    const std::size_t plane = std::size_t(frame.height) * std::size_t(frame.width);
    const std::span<const float> map(frame.activations.data() + std::size_t(request.unit) * plane, plane);
    // A classifier's frame holds the view its maps describe (the crop, if the model crops).
    const Image& under = generator ? *image : frame.image;
    each(i, composite_exemplar(under, map, frame.height, frame.width, request.threshold));
  }
}

}  // namespace unitscope::analysis
