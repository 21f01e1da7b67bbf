#include "render/painter.h"

#include "render/context.h"
#include "render/renderer.h"

#include "shaders/embedded_shaders.h"
#include "shaders/shared/pass_layouts.h"

#include <algorithm>
#include <cstring>

namespace unitscope::render {
namespace {

PipelineDesc quad_desc(std::span<const std::uint32_t> fragment, std::uint32_t samplers, std::uint32_t push_bytes,
                       VkFormat format) {
  PipelineDesc desc;
  desc.vertex_spirv = shaders::quad_vert();
  desc.fragment_spirv = fragment;
  for (std::uint32_t i = 0; i < samplers; ++i) desc.bindings.push_back(sampled_binding(i));
  desc.push_constant_bytes = push_bytes;
  desc.color_format = format;
  desc.alpha_blend = true;
  return desc;
}

PipelineDesc atlas_desc(VkFormat format) {
  PipelineDesc desc;
  desc.vertex_spirv = shaders::atlas_vert();
  desc.fragment_spirv = shaders::atlas_frag();
  desc.bindings = {sampled_binding(0), sampled_binding(1), storage_binding(2)};
  desc.push_constant_bytes = sizeof(gpu::AtlasPush);
  desc.color_format = format;
  return desc;
}

template <class Push>
void draw_quad(VkCommandBuffer cmd, const Pipeline& pipeline, VkDescriptorSet set, const Push& push) {
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline.handle());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline.layout(), 0, 1, &set, 0, nullptr);
  vkCmdPushConstants(cmd, pipeline.layout(), VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                     sizeof(Push), &push);
  vkCmdDraw(cmd, 6, 1, 0, 0);
}

gpu::vec4 vec4_of(const std::array<float, 3>& rgb, float w) { return {rgb[0], rgb[1], rgb[2], w}; }

}  // namespace

Rect letterbox(const Rect& area, std::uint32_t width, std::uint32_t height) {
  const float scale = std::min(area.width / float(width), area.height / float(height));
  const float w = float(width) * scale;
  const float h = float(height) * scale;
  return {area.x + (area.width - w) * 0.5f, area.y + (area.height - h) * 0.5f, w, h};
}

Painter::Painter(const Context& context, VkFormat color_format)
    : context_(&context),
      colormaps_(context),
      linear_(context, VK_FILTER_LINEAR),
      nearest_(context, VK_FILTER_NEAREST),
      image_(context, quad_desc(shaders::image_frag(), 1, sizeof(gpu::QuadPush), color_format)),
      atlas_(context, atlas_desc(color_format)),
      overlay_(context, quad_desc(shaders::overlay_frag(), 3, sizeof(gpu::OverlayPush), color_format)),
      difference_(context, quad_desc(shaders::difference_frag(), 3, sizeof(gpu::DifferencePush), color_format)) {}

void Painter::image(Frame& frame, VkExtent2D target, const Texture& texture, const Rect& rect,
                    const ImageStyle& style) {
  const VkDescriptorSet set = frame.allocate_set(image_.set_layout());
  DescriptorWriter()
      .image(set, 0, texture.view(), style.nearest ? nearest_.handle() : linear_.handle())
      .update(context_->device());
  gpu::QuadPush push{ndc_rect(rect, target), style.uv_rect,
                     {style.tint[0], style.tint[1], style.tint[2], style.tint[3]}};
  draw_quad(frame.cmd(), image_, set, push);
}

void Painter::atlas(Frame& frame, VkExtent2D target, const FeatureAtlas& atlas, const Rect& rect,
                    const AtlasStyle& style) {
  const AtlasGrid grid = AtlasGrid::make(atlas.count(), rect, style);
  const std::span<const float> ranges = atlas.ranges();
  ArenaAllocation range_data = frame.allocate(ranges.size_bytes());
  std::memcpy(range_data.data, ranges.data(), ranges.size_bytes());

  const VkDescriptorSet set = frame.allocate_set(atlas_.set_layout());
  DescriptorWriter()
      .image(set, 0, atlas.texture().view(), nearest_.handle())
      .image(set, 1, colormaps_.texture().view(), linear_.handle())
      .buffer(set, 2, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, range_data.buffer, range_data.offset, range_data.size)
      .update(context_->device());

  gpu::AtlasPush push;
  push.rect_px = {rect.x, rect.y, rect.x + rect.width, rect.y + rect.height};
  push.viewport = {float(target.width), float(target.height), style.gap_px, style.border_px};
  push.grid = {grid.columns, grid.rows, atlas.map_width(), atlas.map_height()};
  push.atlas = {atlas.atlas_columns(), atlas.count(), style.hovered.value_or(UNITSCOPE_ATLAS_NONE),
                style.selected.value_or(UNITSCOPE_ATLAS_NONE)};
  push.hover_color = vec4_of(style.hover_color, 1.0f);
  push.select_color = vec4_of(style.select_color, 1.0f);
  push.style = {std::uint32_t(style.colormap), 0, 0, 0};

  const VkCommandBuffer cmd = frame.cmd();
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, atlas_.handle());
  vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, atlas_.layout(), 0, 1, &set, 0, nullptr);
  vkCmdPushConstants(cmd, atlas_.layout(), VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                     sizeof(push), &push);
  vkCmdDraw(cmd, 6, atlas.count(), 0, 0);  // one instance per map: the whole grid in one draw
}

void Painter::overlay(Frame& frame, VkExtent2D target, const Texture& image, const Texture& map, const Rect& rect,
                      const OverlayStyle& style) {
  const VkDescriptorSet set = frame.allocate_set(overlay_.set_layout());
  DescriptorWriter()
      .image(set, 0, image.view(), linear_.handle())
      .image(set, 1, map.view(), nearest_.handle())
      .image(set, 2, colormaps_.texture().view(), linear_.handle())
      .update(context_->device());
  gpu::OverlayPush push;
  push.rect = ndc_rect(rect, target);
  push.uv_rect = kFullUv;
  push.tint = {style.tint[0], style.tint[1], style.tint[2], style.tint[3]};
  push.outline = vec4_of(style.outline_color, style.outline_px);
  push.mask = {style.threshold, style.dim, style.desaturate,
               float(style.mode == OverlayStyle::Mode::kHeatmap ? UNITSCOPE_OVERLAY_HEATMAP : UNITSCOPE_OVERLAY_MASK)};
  push.heat = {style.heat_lo, style.heat_hi, style.heat_alpha, float(std::uint32_t(style.colormap))};
  draw_quad(frame.cmd(), overlay_, set, push);
}

void Painter::difference(Frame& frame, VkExtent2D target, const Texture& a, const Texture& b, const Rect& rect,
                         const DifferenceStyle& style) {
  const VkDescriptorSet set = frame.allocate_set(difference_.set_layout());
  DescriptorWriter()
      .image(set, 0, a.view(), linear_.handle())
      .image(set, 1, b.view(), linear_.handle())
      .image(set, 2, colormaps_.texture().view(), linear_.handle())
      .update(context_->device());
  gpu::DifferencePush push{ndc_rect(rect, target), kFullUv, {style.gain, float(std::uint32_t(style.colormap)), 0, 0}};
  draw_quad(frame.cmd(), difference_, set, push);
}

void Painter::side_by_side(Frame& frame, VkExtent2D target, const Texture& a, const Texture& b, const Rect& rect,
                           float gap_px) {
  const float half = (rect.width - gap_px) * 0.5f;
  image(frame, target, a, letterbox({rect.x, rect.y, half, rect.height}, a.width(), a.height()));
  image(frame, target, b, letterbox({rect.x + half + gap_px, rect.y, half, rect.height}, b.width(), b.height()));
}

}  // namespace unitscope::render
