// The last retained message of each plain MQTT topic (§3.3.1.3), kept in memory: a late
// subscriber gets them at once; an empty retained payload clears a topic. Bounded by count
// and by bytes (topics plus payloads): past either cap a new topic is refused (the caller
// counts and logs it), while replacing or clearing one already kept always works.
// In memory only; EdgeHub keeps them durable in the store (edge_hub_retained.cpp).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace outpost::hub {

struct PlainProperties;

class RetainedMessages {
 public:
  RetainedMessages(std::size_t max_messages, std::size_t max_bytes) : max_messages_(max_messages), max_bytes_(max_bytes) {}

  enum class Outcome { stored, cleared, refused };
  // `properties`: the MQTT 5 ones it passes on (counted in the bytes), or nullptr.
  Outcome set(std::string_view topic, std::string_view payload, std::uint8_t qos,
              std::shared_ptr<const PlainProperties> properties = nullptr);
  using Visit = std::function<void(const std::string& topic, const std::string& payload, std::uint8_t qos,
                                   const std::shared_ptr<const PlainProperties>& properties)>;
  // The retained messages whose topic matches `filter` (assumed valid), in topic order.
  void for_each_matching(std::string_view filter, const Visit& visit) const;
  std::size_t size() const { return messages_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Retained {
    std::string payload;
    std::uint8_t qos = 0;
    std::shared_ptr<const PlainProperties> properties;
    std::size_t bytes(std::string_view topic) const;
  };
  std::size_t max_messages_;
  std::size_t max_bytes_;
  std::map<std::string, Retained, std::less<>> messages_;
  std::size_t bytes_ = 0;
};

}  // namespace outpost::hub
