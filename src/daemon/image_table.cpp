#include "image_table.h"

namespace outpost::daemon {
namespace {

// IoT Edge's images by repository, and Outpost's program (and local image) for each.
struct WellKnown {
  const char* repository;
  const char* program;
};
constexpr WellKnown kWellKnown[] = {
    {"mcr.microsoft.com/azureiotedge-hub", "outpost-hub"},
    {"mcr.microsoft.com/azureiotedge-agent", "outpost-agent"},
    {"mcr.microsoft.com/azureiotedge-simulated-temperature-sensor", "outpost-simulated-temperature-sensor"},
    {"outpost/temperature-filter", "outpost-temperature-filter"},  // the tutorial's filter module, ours
};

}  // namespace

bool image_matches(std::string_view pattern, std::string_view image) {
  if (!pattern.empty() && pattern.back() == '*') {
    const auto prefix = pattern.substr(0, pattern.size() - 1);
    return image.substr(0, prefix.size()) == prefix;
  }
  return pattern == image;
}

void ImageTable::add_defaults(const std::vector<ImageRule>& defaults) {
  rules_.insert(rules_.end(), defaults.begin(), defaults.end());
}

std::string ImageTable::resolve(std::string_view image) const {
  for (const auto& rule : rules_)
    if (image_matches(rule.pattern, image)) return rule.target;
  return std::string(image);
}

std::vector<ImageRule> default_process_images(const std::string& bin_dir) {
  std::vector<ImageRule> rules;
  for (const auto& known : kWellKnown)
    rules.push_back({std::string(known.repository) + ":*", "process://" + bin_dir + "/" + known.program});
  return rules;
}

std::vector<ImageRule> default_docker_images() {
  std::vector<ImageRule> rules;
  for (const auto& known : kWellKnown) {
    const std::string program = known.program;
    // "outpost-hub" -> "outpost/hub:latest"
    rules.push_back({std::string(known.repository) + ":*", "outpost/" + program.substr(8) + ":latest"});
  }
  return rules;
}

}  // namespace outpost::daemon
