// RetireList: objects a frame in flight may still use, destroyed once that frame's fence signals.
#pragma once

#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace unitscope::render {

// Owns what it is given; clear() destroys everything in reverse order of arrival. Only the frame
// slot calls clear(), right after waiting on its fence. Thread: the render thread only.
class RetireList {
 public:
  RetireList() = default;
  RetireList(const RetireList&) = delete;
  RetireList& operator=(const RetireList&) = delete;
  RetireList(RetireList&&) = default;
  RetireList& operator=(RetireList&&) = default;
  ~RetireList() { clear(); }

  // Takes any movable RAII object (Buffer, Texture, ...); its destructor runs at clear().
  template <class T>
  void retire(T&& object) {
    items_.push_back(std::make_unique<Holder<std::decay_t<T>>>(std::forward<T>(object)));
  }
  // For raw handles without an owner type: `destroy` runs at clear().
  void retire_fn(std::function<void()> destroy) { functions_.push_back(std::move(destroy)); }

  void clear() {
    while (!functions_.empty()) {
      auto f = std::move(functions_.back());
      functions_.pop_back();
      f();
    }
    while (!items_.empty()) items_.pop_back();
  }
  std::size_t size() const { return items_.size() + functions_.size(); }

 private:
  struct Base {
    virtual ~Base() = default;
  };
  template <class T>
  struct Holder final : Base {
    explicit Holder(T&& o) : object(std::move(o)) {}
    T object;
  };
  std::vector<std::unique_ptr<Base>> items_;
  std::vector<std::function<void()>> functions_;
};

}  // namespace unitscope::render
