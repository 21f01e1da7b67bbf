#include "engine/studio/studio_dissection.h"

#include "analysis/dissect/gan_dissection.h"
#include "engine/studio/demo_assets.h"

namespace unitscope::engine {

std::filesystem::path studio_dissection_out(const StudioDissectionRequest& request) {
  return request.out / analysis::convention_name(request.convention);
}

analysis::DissectionResult run_studio_dissection(const StudioDissectionRequest& request,
                                                 analysis::DissectProgress& progress, std::stop_token stop) {
  analysis::DissectOptions d;
  d.model.source = request.model;
  d.layers = request.layers;
  // One directory per convention: dissect() refuses a directory that holds other options.
  d.out = studio_dissection_out(request);
  d.convention = request.convention;
  d.threads = request.threads;
  d.on_partial = request.on_partial;
  if (request.generator) {
    analysis::GanDissectOptions g;
    d.limit = 0;
    g.dissect = d;
    g.segmenter.source = demo_segmenter();
    g.samples = request.limit > 0 ? request.limit : 1000;
    return analysis::gan_dissect(g, progress, stop);
  }
  d.dataset = request.dataset.empty() ? demo_dataset() : request.dataset;
  d.limit = request.limit;
  return analysis::dissect(d, progress, stop);
}

}  // namespace unitscope::engine
