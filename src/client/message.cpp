#include "outpost/client/message.h"

namespace outpost::client {

const std::string* Message::property(std::string_view name) const {
  for (const auto& [key, value] : properties)
    if (key == name) return &value;
  return nullptr;
}

Message& Message::setProperty(std::string name, std::string value) {
  for (auto& [key, existing] : properties)
    if (key == name) {
      existing = std::move(value);
      return *this;
    }
  properties.emplace_back(std::move(name), std::move(value));
  return *this;
}

}  // namespace outpost::client
