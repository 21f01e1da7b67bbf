#include "render/pipeline.h"

#include "render/context.h"
#include "render/vulkan_error.h"

namespace unitscope::render {
namespace {

VkShaderModule make_module(VkDevice device, std::span<const std::uint32_t> spirv) {
  VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  info.codeSize = spirv.size_bytes();
  info.pCode = spirv.data();
  VkShaderModule module = VK_NULL_HANDLE;
  UNITSCOPE_VK_CHECK(vkCreateShaderModule(device, &info, nullptr, &module));
  return module;
}

}  // namespace

VkDescriptorSetLayoutBinding sampled_binding(std::uint32_t binding) {
  return {binding, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 1, VK_SHADER_STAGE_FRAGMENT_BIT, nullptr};
}

VkDescriptorSetLayoutBinding storage_binding(std::uint32_t binding) {
  return {binding, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
          VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, nullptr};
}

Pipeline::Pipeline(const Context& context, const PipelineDesc& desc) : device_(context.device()) {
  VkShaderModule vertex = VK_NULL_HANDLE;
  VkShaderModule fragment = VK_NULL_HANDLE;
  try {
    VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    set_info.bindingCount = std::uint32_t(desc.bindings.size());
    set_info.pBindings = desc.bindings.data();
    UNITSCOPE_VK_CHECK(vkCreateDescriptorSetLayout(device_, &set_info, nullptr, &set_layout_));

    VkPushConstantRange push{VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT, 0,
                             desc.push_constant_bytes};
    VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    layout_info.setLayoutCount = 1;
    layout_info.pSetLayouts = &set_layout_;
    layout_info.pushConstantRangeCount = desc.push_constant_bytes ? 1 : 0;
    layout_info.pPushConstantRanges = &push;
    UNITSCOPE_VK_CHECK(vkCreatePipelineLayout(device_, &layout_info, nullptr, &layout_));

    vertex = make_module(device_, desc.vertex_spirv);
    fragment = make_module(device_, desc.fragment_spirv);
    VkPipelineShaderStageCreateInfo stages[2]{};
    stages[0].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    stages[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
    stages[0].module = vertex;
    stages[0].pName = "main";
    stages[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    stages[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
    stages[1].module = fragment;
    stages[1].pName = "main";

    VkPipelineVertexInputStateCreateInfo vertex_input{VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO};
    vertex_input.vertexBindingDescriptionCount = std::uint32_t(desc.vertex_bindings.size());
    vertex_input.pVertexBindingDescriptions = desc.vertex_bindings.data();
    vertex_input.vertexAttributeDescriptionCount = std::uint32_t(desc.vertex_attributes.size());
    vertex_input.pVertexAttributeDescriptions = desc.vertex_attributes.data();
    VkPipelineInputAssemblyStateCreateInfo assembly{VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO};
    assembly.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
    VkPipelineViewportStateCreateInfo viewport{VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO};
    viewport.viewportCount = 1;
    viewport.scissorCount = 1;
    VkPipelineRasterizationStateCreateInfo raster{VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO};
    raster.polygonMode = VK_POLYGON_MODE_FILL;
    raster.cullMode = VK_CULL_MODE_NONE;
    raster.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
    raster.lineWidth = 1.0f;
    VkPipelineMultisampleStateCreateInfo multisample{VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO};
    multisample.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
    VkPipelineColorBlendAttachmentState blend{};
    blend.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT | VK_COLOR_COMPONENT_B_BIT |
                           VK_COLOR_COMPONENT_A_BIT;
    if (desc.alpha_blend) {
      blend.blendEnable = VK_TRUE;
      blend.srcColorBlendFactor = VK_BLEND_FACTOR_SRC_ALPHA;
      blend.dstColorBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
      blend.colorBlendOp = VK_BLEND_OP_ADD;
      blend.srcAlphaBlendFactor = VK_BLEND_FACTOR_ONE;
      blend.dstAlphaBlendFactor = VK_BLEND_FACTOR_ONE_MINUS_SRC_ALPHA;
      blend.alphaBlendOp = VK_BLEND_OP_ADD;
    }
    VkPipelineColorBlendStateCreateInfo blend_state{VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO};
    blend_state.attachmentCount = 1;
    blend_state.pAttachments = &blend;
    const VkDynamicState dynamic[] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
    VkPipelineDynamicStateCreateInfo dynamic_state{VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO};
    dynamic_state.dynamicStateCount = 2;
    dynamic_state.pDynamicStates = dynamic;
    VkPipelineRenderingCreateInfo rendering{VK_STRUCTURE_TYPE_PIPELINE_RENDERING_CREATE_INFO};
    rendering.colorAttachmentCount = 1;
    rendering.pColorAttachmentFormats = &desc.color_format;

    VkGraphicsPipelineCreateInfo info{VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO, &rendering};
    info.stageCount = 2;
    info.pStages = stages;
    info.pVertexInputState = &vertex_input;
    info.pInputAssemblyState = &assembly;
    info.pViewportState = &viewport;
    info.pRasterizationState = &raster;
    info.pMultisampleState = &multisample;
    info.pColorBlendState = &blend_state;
    info.pDynamicState = &dynamic_state;
    info.layout = layout_;
    UNITSCOPE_VK_CHECK(vkCreateGraphicsPipelines(device_, VK_NULL_HANDLE, 1, &info, nullptr, &pipeline_));
  } catch (...) {
    if (vertex) vkDestroyShaderModule(device_, vertex, nullptr);
    if (fragment) vkDestroyShaderModule(device_, fragment, nullptr);
    destroy();
    throw;
  }
  vkDestroyShaderModule(device_, vertex, nullptr);
  vkDestroyShaderModule(device_, fragment, nullptr);
}

Pipeline::~Pipeline() { destroy(); }

void Pipeline::destroy() {
  if (pipeline_) vkDestroyPipeline(device_, pipeline_, nullptr);
  if (layout_) vkDestroyPipelineLayout(device_, layout_, nullptr);
  if (set_layout_) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  pipeline_ = VK_NULL_HANDLE;
  layout_ = VK_NULL_HANDLE;
  set_layout_ = VK_NULL_HANDLE;
}

DescriptorWriter& DescriptorWriter::image(VkDescriptorSet set, std::uint32_t binding, VkImageView view,
                                          VkSampler sampler) {
  images_.push_back({sampler, view, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL});
  pending_.push_back({set, binding, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, images_.size() - 1});
  return *this;
}

DescriptorWriter& DescriptorWriter::buffer(VkDescriptorSet set, std::uint32_t binding, VkDescriptorType type,
                                           VkBuffer buffer, VkDeviceSize offset, VkDeviceSize range) {
  buffers_.push_back({buffer, offset, range});
  pending_.push_back({set, binding, type, buffers_.size() - 1});
  return *this;
}

void DescriptorWriter::update(VkDevice device) {
  std::vector<VkWriteDescriptorSet> writes;
  writes.reserve(pending_.size());
  for (const Pending& p : pending_) {
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstSet = p.set;
    w.dstBinding = p.binding;
    w.descriptorCount = 1;
    w.descriptorType = p.type;
    if (p.type == VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER)
      w.pImageInfo = &images_[p.index];
    else
      w.pBufferInfo = &buffers_[p.index];
    writes.push_back(w);
  }
  vkUpdateDescriptorSets(device, std::uint32_t(writes.size()), writes.data(), 0, nullptr);
  pending_.clear();
  images_.clear();
  buffers_.clear();
}

void set_viewport(VkCommandBuffer cmd, VkExtent2D extent) {
  const VkViewport viewport{0.0f, 0.0f, float(extent.width), float(extent.height), 0.0f, 1.0f};
  const VkRect2D scissor{{0, 0}, extent};
  vkCmdSetViewport(cmd, 0, 1, &viewport);
  vkCmdSetScissor(cmd, 0, 1, &scissor);
}

}  // namespace unitscope::render
