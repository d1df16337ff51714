#include "identity_store.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "outpost/core/crypto.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"

namespace outpost::daemon {

using nlohmann::json;

std::string new_generation_id() {
  const auto bytes = random_bytes(18);
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto digit = static_cast<unsigned char>(bytes[i]) % 10;
    out += static_cast<char>('0' + (i == 0 && digit == 0 ? 6 : digit));
  }
  return out;
}

std::string ModuleNaming::identity_of_url_name(const std::string& url_name) const {
  return url_name == "edgeAgent" || url_name == "edgeHub" ? "$" + url_name : url_name;
}

std::string ModuleNaming::identity_of_runtime_name(const std::string& runtime_name) const {
  if (runtime_name == agent_runtime_name) return "$edgeAgent";
  return runtime_name == "edgeHub" ? "$edgeHub" : runtime_name;
}

std::string ModuleNaming::runtime_name_of_identity(const std::string& module_id) const {
  if (module_id == "$edgeAgent") return agent_runtime_name;
  return module_id == "$edgeHub" ? "edgeHub" : module_id;
}

Result<IdentityStore> IdentityStore::open(std::string file) {
  IdentityStore store(std::move(file));
  std::error_code ec;
  if (!std::filesystem::exists(store.file_, ec)) return store;
  auto text = read_whole_file(store.file_);
  if (!text) return text.failure();
  auto parsed = parse_json(*text);
  if (!parsed || !parsed->is_array())
    return make_error(ErrorKind::storage_corrupt, fmt::format("{}: expected a JSON list of identities", store.file_));
  for (const auto& item : *parsed) {
    if (!item.is_object() || !item.value("moduleId", json()).is_string() || !item.value("generationId", json()).is_string())
      return make_error(ErrorKind::storage_corrupt, fmt::format("{}: an identity without moduleId or generationId", store.file_));
    store.identities_.push_back({item["moduleId"].get<std::string>(), item["generationId"].get<std::string>(),
                                 item.value("managedBy", "iotedge")});
  }
  return store;
}

Status IdentityStore::save() const {
  auto out = json::array();
  for (const auto& i : identities_)
    out.push_back({{"moduleId", i.module_id}, {"generationId", i.generation_id}, {"managedBy", i.managed_by}});
  return write_file_atomically(file_, out.dump(2), 0600);
}

Result<StoredIdentity> IdentityStore::store(StoredIdentity identity) {
  const auto previous = identities_;
  auto existing = std::find_if(identities_.begin(), identities_.end(),
                               [&](const StoredIdentity& i) { return i.module_id == identity.module_id; });
  if (existing == identities_.end()) identities_.push_back(identity);
  else *existing = identity;
  if (auto ok = save(); !ok) {
    identities_ = previous;
    return ok.failure();
  }
  return identity;
}

Result<StoredIdentity> IdentityStore::get_or_create(const std::string& module_id, const std::string& managed_by) {
  if (auto existing = find(module_id)) return *existing;
  return refresh(module_id, managed_by);
}

Result<StoredIdentity> IdentityStore::refresh(const std::string& module_id, const std::string& managed_by) {
  if (!authority_) {
    if (auto existing = find(module_id)) return *existing;
    return store({module_id, new_generation_id(), managed_by});
  }
  auto generation = authority_->ensure(module_id, managed_by);
  if (!generation) return generation.failure();
  return store({module_id, *generation, managed_by});
}

std::optional<StoredIdentity> IdentityStore::find(const std::string& module_id) const {
  for (const auto& i : identities_)
    if (i.module_id == module_id) return i;
  return std::nullopt;
}

Status IdentityStore::remove(const std::string& module_id) {
  if (authority_)
    if (auto ok = authority_->remove(module_id); !ok) return ok;
  for (auto it = identities_.begin(); it != identities_.end(); ++it) {
    if (it->module_id != module_id) continue;
    const auto removed = *it;
    identities_.erase(it);
    if (auto ok = save(); !ok) {
      identities_.push_back(removed);
      return ok;
    }
    return {};
  }
  return make_error(ErrorKind::not_found, fmt::format("identity '{}' not found", module_id));
}

}  // namespace outpost::daemon
