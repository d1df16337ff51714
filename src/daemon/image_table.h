// The `images` table: which image a manifest's name stands for on this device. IoT Edge's
// well-known images map to Outpost's own programs (process runtime) or its locally built
// images (Docker), so a real IoT Edge manifest deploys unchanged; operators add or override
// entries in config.yaml.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace outpost::daemon {

struct ImageRule {
  // An image name; a trailing '*' matches any rest ("mcr.microsoft.com/azureiotedge-hub:*").
  std::string pattern;
  std::string target;  // "process:///usr/bin/outpost-hub", or an image name for Docker
};

class ImageTable {
 public:
  // The operator's rules are tried first, in the file's order, then the defaults.
  void add(ImageRule rule) { rules_.push_back(std::move(rule)); }
  void add_defaults(const std::vector<ImageRule>& defaults);
  // What `image` maps to; `image` itself when no rule matches.
  std::string resolve(std::string_view image) const;
  const std::vector<ImageRule>& rules() const { return rules_; }

 private:
  std::vector<ImageRule> rules_;
};

// IoT Edge's hub, agent and simulated temperature sensor as Outpost programs in `bin_dir`.
std::vector<ImageRule> default_process_images(const std::string& bin_dir);
// The same as the images Outpost builds locally ("outpost/hub:latest", ...).
std::vector<ImageRule> default_docker_images();

bool image_matches(std::string_view pattern, std::string_view image);

}  // namespace outpost::daemon
