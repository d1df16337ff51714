#include "outpost/core/message.h"

#include <algorithm>

namespace outpost {

const Property* PropertyList::find(std::string_view name) const {
  for (const auto& p : items_)
    if (p.name == name) return &p;
  return nullptr;
}

std::optional<std::string> PropertyList::get(std::string_view name) const {
  const auto* p = find(name);
  if (p == nullptr) return std::nullopt;
  return p->value;
}

void PropertyList::set(std::string name, std::optional<std::string> value) {
  for (auto& p : items_) {
    if (p.name == name) {
      p.value = std::move(value);
      return;
    }
  }
  items_.push_back({std::move(name), std::move(value)});
}

bool PropertyList::erase(std::string_view name) {
  const auto it = std::find_if(items_.begin(), items_.end(),
                               [&](const Property& p) { return p.name == name; });
  if (it == items_.end()) return false;
  items_.erase(it);
  return true;
}

std::size_t Message::counted_size() const {
  std::size_t size = body.size();
  for (const auto* list : {&system, &application})
    for (const auto& p : *list) size += p.name.size() + (p.value ? p.value->size() : 0);
  return size;
}

}  // namespace outpost
