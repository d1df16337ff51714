// What the `outpost cloud …` commands share: the service connection string (--connection-string,
// else OUTPOST_CLOUD_CONNECTION_STRING), the REST base (--url, default https://<HostName>),
// --ca-file, and one call to the service API signed with the policy's key. Errors come back
// with IoT Hub's `Message` when the cloud gave one.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "options.h"

namespace outpost::cli {

// The options every cloud command takes (valued): connection-string, url, ca-file.
inline const std::set<std::string> kCloudOptions{"connection-string", "url", "ca-file"};

struct CloudReply {
  long status = 0;
  nlohmann::json body;  // null when the answer was empty
};

class CloudApi {
 public:
  // Throws UsageError when the connection string is missing or not a service policy's.
  explicit CloudApi(const Options& opts);
  // `path` without the api-version; throws std::runtime_error on a transport failure or an
  // answer of 300 and above ("HTTP <status>: <Message>").
  CloudReply call(std::string_view method, const std::string& path, const nlohmann::json& body = nullptr,
                  const std::string& if_match = {}) const;
  // For calls made otherwise (the event stream): a token valid for `lifetime`, the base URL, the CA.
  std::string token(std::chrono::seconds lifetime = std::chrono::seconds(600)) const;
  const std::string& base_url() const { return base_; }
  const std::string& ca_file() const { return ca_file_; }

 private:
  std::string host_;
  std::string key_name_;
  std::string key_;
  std::string base_;
  std::string ca_file_;
};

// Arguments in any order: the positional ones, and the --options (with their values; names
// in `flags` take none) for Options.
struct SplitArguments {
  std::vector<std::string> positional;
  std::vector<std::string> options;
};
SplitArguments split_arguments(const std::vector<std::string>& args, const std::set<std::string>& flags = {});

// A cloud command's arguments: the positional ones, and the options — the cloud's three plus
// `valued` and `flags` (help is always a flag).
struct CloudCommandLine {
  std::vector<std::string> positional;
  Options options;
};
CloudCommandLine parse_cloud_command(const std::vector<std::string>& args, const std::set<std::string>& valued,
                                     std::set<std::string> flags = {});

// Every command's output: pretty JSON (what `-o json` asks and what scripts read).
void print_json(const nlohmann::json& value);

}  // namespace outpost::cli
