#include "render/imgui_renderer.h"

#include "render/buffer.h"
#include "render/context.h"
#include "render/renderer.h"

#include "shaders/embedded_shaders.h"
#include "shaders/shared/pass_layouts.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <unordered_map>

namespace unitscope::render {
namespace {

PipelineDesc imgui_desc(VkFormat format) {
  PipelineDesc desc;
  desc.vertex_spirv = shaders::imgui_vert();
  desc.fragment_spirv = shaders::imgui_frag();
  desc.bindings = {sampled_binding(0)};
  desc.push_constant_bytes = sizeof(gpu::ImGuiPush);
  desc.vertex_bindings = {{0, sizeof(ImDrawVert), VK_VERTEX_INPUT_RATE_VERTEX}};
  desc.vertex_attributes = {
      {0, 0, VK_FORMAT_R32G32_SFLOAT, std::uint32_t(offsetof(ImDrawVert, pos))},
      {1, 0, VK_FORMAT_R32G32_SFLOAT, std::uint32_t(offsetof(ImDrawVert, uv))},
      {2, 0, VK_FORMAT_R8G8B8A8_UNORM, std::uint32_t(offsetof(ImDrawVert, col))},
  };
  desc.color_format = format;
  desc.alpha_blend = true;
  return desc;
}

Texture make_font_texture(const Context& context) {
  unsigned char* pixels = nullptr;
  int width = 0;
  int height = 0;
  ImGui::GetIO().Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
  Texture font(context, TextureDesc{std::uint32_t(width), std::uint32_t(height)});
  const VkDeviceSize bytes = VkDeviceSize(width) * height * 4;
  Buffer staging(context, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::kUpload);
  std::memcpy(staging.mapped(), pixels, bytes);
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    font.transition(cmd, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, true);
    font.copy_from(cmd, staging.handle(), 0, {0, 0}, font.extent());
    font.transition(cmd, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
  });
  return font;
}

}  // namespace

ImGuiRenderer::ImGuiRenderer(const Context& context, VkFormat color_format)
    : context_(&context),
      pipeline_(context, imgui_desc(color_format)),
      sampler_(context, VK_FILTER_LINEAR),
      font_(make_font_texture(context)) {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->SetTexID(texture_id(font_));
  io.BackendRendererName = "unitscope_render";
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
}

ImGuiRenderer::~ImGuiRenderer() {
  if (ImGui::GetCurrentContext()) {
    ImGuiIO& io = ImGui::GetIO();
    io.Fonts->SetTexID(nullptr);
    io.BackendRendererName = nullptr;
  }
}

void ImGuiRenderer::draw(Frame& frame, VkExtent2D target, const ImDrawData* data) {
  if (!data || data->TotalVtxCount == 0) return;
  const float fb_scale_x = data->FramebufferScale.x;
  const float fb_scale_y = data->FramebufferScale.y;

  const VkDeviceSize vertex_bytes = VkDeviceSize(data->TotalVtxCount) * sizeof(ImDrawVert);
  const VkDeviceSize index_bytes = VkDeviceSize(data->TotalIdxCount) * sizeof(ImDrawIdx);
  const ArenaAllocation vertices = frame.allocate(vertex_bytes);
  const ArenaAllocation indices = frame.allocate(index_bytes);
  std::byte* vtx = vertices.data;
  std::byte* idx = indices.data;
  for (int n = 0; n < data->CmdListsCount; ++n) {
    const ImDrawList* list = data->CmdLists[n];
    std::memcpy(vtx, list->VtxBuffer.Data, std::size_t(list->VtxBuffer.Size) * sizeof(ImDrawVert));
    std::memcpy(idx, list->IdxBuffer.Data, std::size_t(list->IdxBuffer.Size) * sizeof(ImDrawIdx));
    vtx += std::size_t(list->VtxBuffer.Size) * sizeof(ImDrawVert);
    idx += std::size_t(list->IdxBuffer.Size) * sizeof(ImDrawIdx);
  }

  const VkCommandBuffer cmd = frame.cmd();
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_.handle());
  vkCmdBindVertexBuffers(cmd, 0, 1, &vertices.buffer, &vertices.offset);
  vkCmdBindIndexBuffer(cmd, indices.buffer, indices.offset,
                       sizeof(ImDrawIdx) == 2 ? VK_INDEX_TYPE_UINT16 : VK_INDEX_TYPE_UINT32);
  gpu::ImGuiPush push;
  push.scale_translate.x = 2.0f / data->DisplaySize.x;
  push.scale_translate.y = 2.0f / data->DisplaySize.y;
  push.scale_translate.z = -1.0f - data->DisplayPos.x * push.scale_translate.x;
  push.scale_translate.w = -1.0f - data->DisplayPos.y * push.scale_translate.y;
  vkCmdPushConstants(cmd, pipeline_.layout(), VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                     sizeof(push), &push);
  set_viewport(cmd, target);

  std::unordered_map<const Texture*, VkDescriptorSet> sets;
  VkDescriptorSet bound = VK_NULL_HANDLE;
  std::uint32_t vertex_base = 0;
  std::uint32_t index_base = 0;
  for (int n = 0; n < data->CmdListsCount; ++n) {
    const ImDrawList* list = data->CmdLists[n];
    for (const ImDrawCmd& draw : list->CmdBuffer) {
      if (draw.UserCallback) {
        if (draw.UserCallback != ImDrawCallback_ResetRenderState) draw.UserCallback(list, &draw);
        continue;
      }
      const float x0 = std::max(0.0f, (draw.ClipRect.x - data->DisplayPos.x) * fb_scale_x);
      const float y0 = std::max(0.0f, (draw.ClipRect.y - data->DisplayPos.y) * fb_scale_y);
      const float x1 = std::min(float(target.width), (draw.ClipRect.z - data->DisplayPos.x) * fb_scale_x);
      const float y1 = std::min(float(target.height), (draw.ClipRect.w - data->DisplayPos.y) * fb_scale_y);
      if (x1 <= x0 || y1 <= y0) continue;
      const VkRect2D scissor{{std::int32_t(x0), std::int32_t(y0)},
                             {std::uint32_t(x1 - x0), std::uint32_t(y1 - y0)}};
      vkCmdSetScissor(cmd, 0, 1, &scissor);

      const auto* texture = static_cast<const Texture*>(draw.GetTexID());
      auto [it, inserted] = sets.try_emplace(texture, VK_NULL_HANDLE);
      if (inserted) {
        it->second = frame.allocate_set(pipeline_.set_layout());
        DescriptorWriter().image(it->second, 0, texture->view(), sampler_.handle()).update(context_->device());
      }
      if (it->second != bound) {
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_.layout(), 0, 1, &it->second, 0,
                                nullptr);
        bound = it->second;
      }
      vkCmdDrawIndexed(cmd, draw.ElemCount, 1, index_base + draw.IdxOffset, std::int32_t(vertex_base + draw.VtxOffset),
                       0);
    }
    vertex_base += std::uint32_t(list->VtxBuffer.Size);
    index_base += std::uint32_t(list->IdxBuffer.Size);
  }
  set_viewport(cmd, target);  // leave full-target scissor for later passes
}

}  // namespace unitscope::render
