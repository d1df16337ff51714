// Device and module twins: desired and reported property documents with versions,
// JSON merge-patch where null deletes, and IoT Hub's limits.
#pragma once
#include <cstdint>
#include <string>

#include <string_view>

#include <nlohmann/json.hpp>

#include "outpost/core/result.h"

namespace outpost {

struct TwinLimits {
  int max_depth = 10;
  std::size_t max_key_length = 1024;
  std::size_t max_string_value_bytes = 4096;
  std::size_t max_document_bytes = 32 * 1024;
  std::int64_t max_abs_integer = (std::int64_t{1} << 52);
};

// Checks a patch or a full section against IoT Hub's rules. The error names the key path
// and the rule, e.g. "reported.config.a$b: key contains '$'". `section` prefixes paths.
Status validate_twin_properties(const nlohmann::json& properties, std::string_view section,
                                const TwinLimits& limits = {});

// RFC 7386-style merge: objects merge recursively, null deletes, anything else replaces.
void merge_patch(nlohmann::json& target, const nlohmann::json& patch);
// The merge patch that turns `from` into `to` (removed keys become null); empty if equal.
nlohmann::json merge_diff(const nlohmann::json& from, const nlohmann::json& to);

class TwinProperties {
 public:
  TwinProperties();
  // From the to_json() shape; missing sections or versions start empty at version 1.
  explicit TwinProperties(const nlohmann::json& desired_and_reported);

  // {"desired":{...,"$version":n},"reported":{...,"$version":n}}
  nlohmann::json to_json() const;
  nlohmann::json desired() const;   // with "$version"
  nlohmann::json reported() const;  // with "$version"
  std::int64_t desired_version() const { return desired_version_; }
  std::int64_t reported_version() const { return reported_version_; }

  // Validates, merges, bumps the version. On error nothing changes.
  Status apply_reported_patch(const nlohmann::json& patch, const TwinLimits& limits = {});
  Status apply_desired_patch(const nlohmann::json& patch, const TwinLimits& limits = {});
  Status replace_desired(const nlohmann::json& desired, const TwinLimits& limits = {});
  // State that comes from the cloud, versions included (no validation: the cloud checked).
  void set_desired(const nlohmann::json& desired, std::int64_t version);
  void set_reported(const nlohmann::json& reported, std::int64_t version);

 private:
  Status apply(nlohmann::json& section, std::int64_t& version, const nlohmann::json& patch,
               std::string_view name, bool replace, const TwinLimits& limits);
  nlohmann::json desired_;   // without "$version"
  nlohmann::json reported_;  // without "$version"
  std::int64_t desired_version_ = 1;
  std::int64_t reported_version_ = 1;
};

}  // namespace outpost
