// TorchScript models: taps and edits by graph surgery on a copy of forward(), since TorchScript has no
// C++ forward hooks. Module calls on the path to a requested layer (and a scripted model's helper
// methods) are inlined, so any named submodule whose call sits in straight-line code can be read or
// edited; the others are listed with the reason.
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/alias_analysis.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/remove_exceptions.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/csrc/jit/passes/dead_code_elimination.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/runtime/graph_iterator.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "analysis/data/error.h"
#include "analysis/model/model_sources.h"

namespace unitscope::analysis {
namespace {

namespace jit = torch::jit;

// The module path of a value, following prim::GetAttr back to `self`; nullopt when it is not a
// submodule reached that way.
std::optional<std::string> module_path(jit::Value* v, jit::Value* self) {
  if (v == self) return std::string();
  if (v->node()->kind() != c10::prim::GetAttr) return std::nullopt;
  const auto cls = v->type()->cast<c10::ClassType>();
  if (!cls || !cls->is_module()) return std::nullopt;
  auto parent = module_path(v->node()->input(0), self);
  if (!parent) return std::nullopt;
  const std::string& name = v->node()->s(c10::attr::name);
  return parent->empty() ? name : *parent + "." + name;
}

// Tracing names a module's second and later calls forward1, forward2, ...
bool is_forward_call(const jit::Node* n) {
  return n->kind() == c10::prim::CallMethod && n->s(c10::attr::name).rfind("forward", 0) == 0;
}

std::string short_type_name(const c10::TypePtr& type) {
  const auto cls = type->cast<c10::ClassType>();
  if (!cls || !cls->name()) return "?";
  return cls->name()->name();
}

// The submodule of `root` at `path` ("" is root itself).
jit::Module submodule_at(const jit::Module& root, const std::string& path) {
  jit::Module m = root;
  for (std::size_t start = 0; start < path.size();) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    m = m.attr(path.substr(start, dot - start)).toModule();
    start = dot + 1;
  }
  return m;
}

// A copy of `graph` (a method of `instance`) with the instance's bool, int, float and None attributes
// read as constants and the branches they decide folded away. A module's flags do not change
// during a forward in eval mode, so a scripted `if self.use_res_connect:` or `if self.training:`
// keeps only the branch taken, and the calls in it can be tapped.
std::shared_ptr<jit::Graph> fold_attributes(jit::Graph& graph, const jit::Module& instance) {
  std::shared_ptr<jit::Graph> folded = graph.copy();
  jit::Value* self = folded->inputs().at(0);
  std::vector<jit::Node*> reads;
  jit::DepthFirstGraphNodeIterator nodes(folded);
  for (jit::Node* n = nodes.next(); n != nullptr; n = nodes.next()) {
    if (n->kind() != c10::prim::GetAttr) continue;
    const c10::TypeKind kind = n->output()->type()->kind();
    if (kind != c10::TypeKind::BoolType && kind != c10::TypeKind::IntType && kind != c10::TypeKind::FloatType &&
        kind != c10::TypeKind::NoneType)
      continue;
    if (module_path(n->input(0), self)) reads.push_back(n);
  }
  bool changed = false;
  for (jit::Node* n : reads) {
    const c10::IValue value = submodule_at(instance, *module_path(n->input(0), self)).attr(n->s(c10::attr::name));
    if (!value.isBool() && !value.isInt() && !value.isDouble() && !value.isNone()) continue;
    jit::WithInsertPoint guard(n);
    n->output()->replaceAllUsesWith(folded->insertConstant(value));
    n->destroy();
    changed = true;
  }
  if (changed) jit::ConstantPropagationImmutableTypes(folded);
  return folded;
}

// A requested layer's value in the top-level block: the output of its last call there.
struct Produced {
  std::vector<jit::Value*> calls;  // every call in the top block, in graph order
  std::string type;
};

// Inlines every call into `self` (a scripted ResNet's forward calls self._forward_impl) and into a
// module that holds a target (any of its methods), and records the values the targets' forward
// calls produce. Calls inside if/loop blocks are not reachable as graph outputs.
std::map<std::string, Produced> expose(jit::Graph& graph, const jit::Module& root,
                                      const std::set<std::string>& targets) {
  std::set<std::string> prefixes;
  for (const auto& t : targets) {
    for (std::size_t dot = t.find('.'); dot != std::string::npos; dot = t.find('.', dot + 1)) {
      prefixes.insert(t.substr(0, dot));
    }
  }
  jit::Value* self = graph.inputs().at(0);
  std::map<std::string, Produced> produced;
  std::unordered_map<jit::Value*, std::vector<std::pair<std::string, std::size_t>>> owners;
  for (auto it = graph.block()->nodes().begin(); it != graph.block()->nodes().end();) {
    jit::Node* n = *it;
    ++it;
    if (n->kind() != c10::prim::CallMethod) continue;
    auto path = module_path(n->input(0), self);
    if (!path) continue;
    const bool target = is_forward_call(n) && targets.count(*path) > 0;
    const bool inside = path->empty() || prefixes.count(*path) > 0;
    if (!target && !inside) continue;
    const std::string type = short_type_name(n->input(0)->type());
    jit::Value* out = n->outputs().size() == 1 ? n->output() : nullptr;
    if (inside) {
      auto& fn = jit::toGraphFunction(
          n->input(0)->type()->expect<c10::ClassType>()->getMethod(n->s(c10::attr::name)));
      const std::shared_ptr<jit::Graph> body = fold_attributes(*fn.graph(), submodule_at(root, *path));
      // The inlined body lands before `it`, so the loop visits its calls next.
      jit::Node* before = n->prev();
      jit::Value* old = out;
      auto outs = jit::inlineCallTo(n, &fn, body.get());
      it = before->next()->iterator();
      out = outs.size() == 1 ? outs[0] : nullptr;
      // A recorded value from this call (a parent's output) now lives in the inlined body.
      if (auto owned = owners.find(old); old && owned != owners.end()) {
        for (auto& [p, index] : owned->second) produced[p].calls[index] = out;
        if (out) owners[out] = std::move(owned->second);
        owners.erase(old);
      }
    }
    if (target && out) {
      owners[out].emplace_back(*path, produced[*path].calls.size());
      produced[*path].calls.push_back(out);
      produced[*path].type = type;
    }
  }
  for (auto it = produced.begin(); it != produced.end();) {
    auto& calls = it->second.calls;
    calls.erase(std::remove(calls.begin(), calls.end(), nullptr), calls.end());
    it = calls.empty() ? produced.erase(it) : std::next(it);
  }
  return produced;
}

// A module call left inside an if or a loop after expose(): which method, and which kind of block
// (the outermost on the way in).
struct HiddenCall {
  std::string method;  // "forward", or a helper such as densenet's "bn_function"
  const char* block;   // "an if" or "a loop"
};

// Every module path with a call that stays inside an if or a loop after expose().
std::map<std::string, HiddenCall> hidden_calls(jit::Graph& graph) {
  std::map<std::string, HiddenCall> hidden;
  jit::Value* self = graph.inputs().at(0);
  const auto walk = [&](const auto& self_walk, jit::Block* block, const char* where) -> void {
    for (jit::Node* n : block->nodes()) {
      if (where && n->kind() == c10::prim::CallMethod)
        if (auto path = module_path(n->input(0), self); path && !path->empty())
          hidden.emplace(*path, HiddenCall{is_forward_call(n) ? "forward" : n->s(c10::attr::name), where});
      for (jit::Block* sub : n->blocks())
        self_walk(self_walk, sub, where ? where : n->kind() == c10::prim::Loop ? "a loop" : "an if");
    }
  };
  walk(walk, graph.block(), nullptr);
  return hidden;
}

// Why `layer` (a submodule with no tappable output) cannot be read.
std::string untappable_reason(const std::string& layer, const std::map<std::string, Produced>& produced,
                              const std::map<std::string, HiddenCall>& hidden) {
  if (auto p = produced.find(layer); p != produced.end()) {
    const c10::TypePtr& type = p->second.calls.back()->type();
    // A traced module that passes its input through (StochasticDepth in eval mode) leaves no op.
    if (type->kind() == c10::TypeKind::NoneType)
      return "its traced forward records no operation (it returns its input unchanged, as StochasticDepth "
             "does in eval mode): read the layer before it";
    return "its forward returns " + type->str() + ", not a tensor";
  }
  // The module itself, else the nearest parent, called where the graph keeps a branch or loop.
  for (std::string path = layer;;) {
    if (auto h = hidden.find(path); h != hidden.end()) {
      const std::string kept = std::string(" inside ") + h->second.block + " that scripting kept (on a value known "
                               "only when the model runs)";
      if (h->second.method == "forward")
        return path == layer ? "its call sits" + kept : "it runs inside " + path + ", whose call sits" + kept;
      return "it is called from " + path + "." + h->second.method + "(), whose call sits" + kept;
    }
    const std::size_t dot = path.rfind('.');
    if (dot == std::string::npos) break;
    path.resize(dot);
  }
  return "forward() never calls it";
}

// Dead-code elimination that also drops unused module calls: TorchScript's keeps every
// prim::CallMethod, as a call might have side effects, which a forward in eval mode has not.
void prune(jit::Graph& graph) {
  for (bool changed = true; changed;) {
    changed = false;
    jit::EliminateDeadCode(graph.block());
    for (auto it = graph.block()->nodes().rbegin(); it != graph.block()->nodes().rend();) {
      jit::Node* n = *it;
      ++it;
      if (n->kind() != c10::prim::CallMethod) continue;
      bool used = false;
      for (const jit::Value* o : n->outputs()) used = used || o->hasUses();
      if (used) continue;
      n->destroy();
      changed = true;
    }
  }
}

// out = x * scale + shift inserted right after `v`'s producer; later uses see the result.
jit::Value* insert_edit(jit::Graph& graph, jit::Value* v, jit::Node* after, jit::Value* scale,
                        jit::Value* shift) {
  jit::WithInsertPoint guard(after->next());
  jit::Value* scaled = graph.insert(c10::aten::mul, {v, scale});
  jit::Value* shifted = graph.insert(c10::aten::add, {scaled, shift});
  v->replaceAllUsesAfterNodeWith(shifted->node(), shifted);
  return shifted;
}

// Removes each of `copies` (aten::clone nodes of `graph`) that nothing after it may change: no node
// that comes later writes to its input or to a tensor sharing its memory (an inplace ReLU after a
// tapped conv does). Module calls hide their writes from alias analysis, so it runs on a copy with
// every call inlined; the copy's nodes are found by walking both graphs in step before inlining,
// which leaves the nodes that are not calls in place.
void drop_needless_copies(std::shared_ptr<jit::Graph>& graph, const std::vector<jit::Node*>& copies) {
  std::shared_ptr<jit::Graph> inlined = graph->copy();
  std::unordered_map<const jit::Node*, jit::Node*> in_copy;
  {
    jit::DepthFirstGraphNodeIterator a(graph), b(inlined);
    for (jit::Node *n = a.next(), *m = b.next(); n != nullptr && m != nullptr; n = a.next(), m = b.next()) {
      in_copy[n] = m;
    }
  }
  jit::Inline(*inlined);
  const jit::AliasDb aliases(inlined);
  for (jit::Node* copy : copies) {
    const jit::Node* mirror = in_copy.at(copy);
    bool changed = false;
    jit::DepthFirstGraphNodeIterator later(inlined);
    for (jit::Node* n = later.next(); n != nullptr && !changed; n = later.next()) {
      changed = n->isAfter(mirror) && aliases.writesToAlias(n, {mirror->input(0)});
    }
    if (changed) continue;
    copy->output()->replaceAllUsesWith(copy->input(0));
    copy->destroy();
  }
}

// A compiled variant of forward(): inputs are self, x, one scale and one shift per edited layer,
// then the start activation if any; outputs the model output (if wanted) and then the taps.
struct Variant {
  std::unique_ptr<jit::GraphFunction> fn;
  std::vector<std::string> edit_layers;
  bool input_used = true;
};

class TorchScriptModel : public Model {
 public:
  TorchScriptModel(jit::Module module, std::string name, Preprocess preprocess,
                   std::optional<Sidecar> sidecar)
      : Model(std::move(name), preprocess, std::move(sidecar)), module_(std::move(module)) {
    module_.eval();
    if (!module_.find_method("forward")) {
      throw Error(this->name() + " has no forward() method (a LibTorch archive of a built-in "
                  "network needs a sidecar naming its architecture)");
    }
    auto graph = module_.get_method("forward").graph();
    if (graph->inputs().size() != 2) {
      throw Error(this->name() + ": forward() must take exactly one input, it takes " +
                  std::to_string(graph->inputs().size() - 1));
    }
    std::set<std::string> all;
    std::vector<std::string> ordered;
    for (const auto& m : module_.named_modules()) {
      if (m.name.empty()) continue;
      all.insert(m.name);
      ordered.push_back(m.name);
    }
    auto copy = fold_attributes(*graph, module_);
    const auto produced = expose(*copy, module_, all);
    const auto hidden = hidden_calls(*copy);
    for (const auto& layer : ordered) {
      auto p = produced.find(layer);
      if (p == produced.end() || !p->second.calls.back()->type()->cast<c10::TensorType>()) {
        untappable_.push_back({layer, untappable_reason(layer, produced, hidden)});
        continue;
      }
      names_.push_back(layer);
      types_[layer] = p->second.type;
    }
  }

  std::vector<std::string> layer_names() const override { return names_; }
  std::vector<UntappableLayer> untappable_layers() const override { return untappable_; }

  bool can_start_at(const std::string& layer) override {
    ForwardRequest none;
    none.want_output = true;
    try {
      return !variant(layer, none).input_used;
    } catch (const Error&) {
      return false;
    }
  }

 protected:
  std::string layer_type(const std::string& layer) const override { return types_.at(layer); }

  ForwardResult run(const std::string& start, const at::Tensor& input,
                    const ForwardRequest& request) override {
    const Variant& v = variant(start, request);
    jit::Stack stack;
    stack.emplace_back(module_._ivalue());
    stack.emplace_back(start.empty() ? input : at::Tensor());
    for (const auto& layer : v.edit_layers) {
      at::Tensor scale = at::ones({}, at::kFloat);
      at::Tensor shift = at::zeros({}, at::kFloat);
      for (const auto& e : request.edits) {
        if (e.layer != layer) continue;
        // Several edits on one layer compose: (x*s1 + b1)*s2 + b2.
        if (e.scale.defined()) {
          scale = scale * e.scale;
          shift = shift * e.scale;
        }
        if (e.shift.defined()) shift = shift + e.shift;
      }
      stack.emplace_back(scale);
      stack.emplace_back(shift);
    }
    if (!start.empty()) stack.emplace_back(input);
    v.fn->run(stack);
    const auto tuple = stack.at(0).toTuple();
    const auto& values = tuple->elements();
    ForwardResult result;
    std::size_t i = 0;
    if (request.want_output) {
      const c10::IValue& out = values.at(i++);
      if (out.isTensor()) result.output = out.toTensor();
      else if (out.isTuple() && !out.toTupleRef().elements().empty() &&
               out.toTupleRef().elements()[0].isTensor()) {
        result.output = out.toTupleRef().elements()[0].toTensor();
      }
    }
    for (std::size_t t = 0; t < request.taps.size(); ++t) result.taps.push_back(values.at(i++).toTensor());
    return result;
  }

 private:
  const Variant& variant(const std::string& start, const ForwardRequest& request) {
    std::set<std::string> edit_layers;
    for (const auto& e : request.edits) edit_layers.insert(e.layer);
    std::string key = start + "|" + (request.want_output ? "1" : "0") + "|";
    for (const auto& e : edit_layers) key += e + ",";
    key += "|";
    for (const auto& t : request.taps) key += t + ",";
    std::lock_guard lock(mutex_);
    auto found = variants_.find(key);
    if (found != variants_.end()) return found->second;
    return variants_.emplace(key, build(start, edit_layers, request)).first->second;
  }

  Variant build(const std::string& start, const std::set<std::string>& edit_layers,
                const ForwardRequest& request) {
    auto graph = fold_attributes(*module_.get_method("forward").graph(), module_);
    std::set<std::string> targets(edit_layers.begin(), edit_layers.end());
    targets.insert(request.taps.begin(), request.taps.end());
    if (!start.empty()) targets.insert(start);
    auto produced = expose(*graph, module_, targets);
    for (const auto& t : targets) {
      if (!produced.count(t)) throw Error("layer " + t + " of " + name() + " cannot be reached");
    }
    jit::Value* x = graph->inputs().at(1);
    Variant variant;
    std::vector<std::pair<jit::Value*, jit::Value*>> edit_inputs;
    for (const auto& layer : edit_layers) {
      variant.edit_layers.push_back(layer);
      jit::Value* s = graph->addInput(layer + "_scale")->setType(c10::TensorType::get());
      jit::Value* b = graph->addInput(layer + "_shift")->setType(c10::TensorType::get());
      edit_inputs.emplace_back(s, b);
    }
    if (!start.empty()) {
      auto& calls = produced.at(start).calls;
      if (calls.size() != 1) {
        throw Error("cannot start " + name() + " at " + start + ": it is called " +
                    std::to_string(calls.size()) + " times");
      }
      jit::Value* act = graph->addInput("start")->setType(c10::TensorType::get());
      calls[0]->replaceAllUsesWith(act);
      calls[0] = act;
    }
    for (std::size_t i = 0; i < variant.edit_layers.size(); ++i) {
      for (jit::Value* v : std::vector<jit::Value*>(produced.at(variant.edit_layers[i]).calls)) {
        jit::Node* after = v->node()->kind() == c10::prim::Param ? graph->param_node() : v->node();
        jit::Value* old = v;
        jit::Value* edited = insert_edit(*graph, v, after, edit_inputs[i].first, edit_inputs[i].second);
        // Layers that return this very value (a block ending in the edited relu) see the edit too.
        for (auto& [layer, p] : produced) {
          std::replace(p.calls.begin(), p.calls.end(), old, edited);
        }
      }
    }
    // A tap is a copy made right after its layer, in case an in-place op later in the network
    // changes the tensor (the conv before an inplace ReLU); copies that nothing changes go again.
    std::vector<jit::Value*> tap_values;
    std::vector<jit::Node*> copies;
    for (const auto& t : request.taps) {
      jit::Value* v = produced.at(t).calls.back();
      jit::Node* after = v->node()->kind() == c10::prim::Param ? graph->param_node() : v->node();
      jit::WithInsertPoint guard(after->next());
      tap_values.push_back(graph->insert(c10::aten::clone, {v}));
      copies.push_back(tap_values.back()->node());
    }
    // A function returns one value, so the output and the taps travel as one tuple.
    std::vector<jit::Value*> outputs;
    if (request.want_output) outputs.push_back(graph->outputs().at(0));
    outputs.insert(outputs.end(), tap_values.begin(), tap_values.end());
    graph->eraseOutput(0);
    graph->registerOutput(graph->insertNode(graph->createTuple(outputs))->output());
    try {
      drop_needless_copies(graph, copies);
    } catch (const std::exception&) {
      // Every copy stays: a graph the analysis cannot take still runs, only with copied taps.
    }
    // A forward continued from a layer has no input to check: the input's shape checks before the
    // layer (torchvision's ViT asserts its image size) would keep the input alive, so the checks
    // go, as the exceptions they raise would (after the layer, too: a continued run is no place to
    // check that the model was called right).
    if (!start.empty()) jit::EliminateExceptions(graph);
    if (!request.want_output || !start.empty()) prune(*graph);
    // Model::forward_from asks can_start_at first, so a variant that still reads x never runs.
    variant.input_used = x->hasUses();
    variant.fn = std::make_unique<jit::GraphFunction>("unitscope_forward", graph, nullptr);
    return variant;
  }

  jit::Module module_;
  std::vector<std::string> names_;
  std::vector<UntappableLayer> untappable_;
  std::unordered_map<std::string, std::string> types_;
  std::mutex mutex_;
  std::map<std::string, Variant> variants_;
};

// The digits right after `prefix` in `text` ("" when there are none): LibTorch's version numbers.
std::string number_after(const std::string& text, const std::string& prefix) {
  const std::size_t at = text.find(prefix);
  if (at == std::string::npos) return {};
  std::size_t end = at + prefix.size();
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(at + prefix.size(), end - at - prefix.size());
}

}  // namespace

std::unique_ptr<Model> open_torchscript(const std::filesystem::path& path, Preprocess preprocess,
                                        std::optional<Sidecar> sidecar) {
  jit::Module module;
  try {
    module = torch::jit::load(path.string(), c10::kCPU);
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    // A newer PyTorch's file: say so with both versions, and how to use a newer LibTorch.
    const std::string file_version = number_after(why, "with version ");
    const std::string max_version = number_after(why, "maximum supported version for reading is ");
    if (!file_version.empty() && !max_version.empty()) {
      throw Error("cannot load TorchScript model " + path.string() + ": it was saved by a newer PyTorch (file format " +
                  "version " + file_version + ") than this LibTorch " + TORCH_VERSION + " reads (up to version " +
                  max_version + "); build unitscope against a newer LibTorch with "
                  "-DTorch_DIR=<site-packages>/torch/share/cmake/Torch, or save the model with PyTorch " +
                  TORCH_VERSION);
    }
    if (why.size() > 300) why = why.substr(0, 300) + " ...";
    throw Error("cannot load TorchScript model " + path.string() + ": " + why);
  }
  return std::make_unique<TorchScriptModel>(std::move(module), path.string(), preprocess,
                                            std::move(sidecar));
}

}  // namespace unitscope::analysis
