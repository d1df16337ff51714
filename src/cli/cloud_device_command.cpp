// outpost cloud device create|list|show|delete: device identities in outpost-cloud (or IoT
// Hub), as `az iot hub device-identity` manages them.
#include <cstdio>
#include <iostream>

#include "cloud_api.h"
#include "commands.h"
#include "outpost/core/crypto.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"
#include "outpost/core/json.h"
#include "outpost/net/tls.h"

namespace outpost::cli {

namespace {

// IoT Hub's authentication object for `device create`: SAS keys, or X.509 (selfSigned by
// thumbprint, or certificateAuthority).
nlohmann::json device_authentication(const Options& opts) {
  const int chosen = int{opts.has("key")} + int{opts.has("certificate")} + int{opts.has("thumbprint")} + int{opts.has("ca-signed")};
  if (chosen > 1) throw UsageError("choose one of --key, --certificate, --thumbprint, --ca-signed");
  if (opts.has("ca-signed")) return {{"type", "certificateAuthority"}};
  std::optional<std::string> thumbprint = opts.get("thumbprint");
  if (const auto file = opts.get("certificate")) {
    const auto pem = read_whole_file(*file);
    if (!pem) throw UsageError("--certificate: " + pem.error());
    const auto described = net::describe_certificate_pem(*pem);
    if (!described) throw UsageError("--certificate '" + *file + "': " + described.error());
    thumbprint = described->sha1_thumbprint;
  }
  if (thumbprint)
    return {{"type", "selfSigned"}, {"x509Thumbprint", {{"primaryThumbprint", *thumbprint}, {"secondaryThumbprint", nullptr}}}};
  const auto key = opts.get("key").value_or(base64_encode(random_bytes(32)));
  return {{"type", "sas"}, {"symmetricKey", {{"primaryKey", key}, {"secondaryKey", base64_encode(random_bytes(32))}}}};
}

}  // namespace

int cloud_device_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost cloud device create <id> [--edge] [--key BASE64 | --certificate PEM | --thumbprint HEX | --ca-signed]\n"
      "       outpost cloud device list [-o json]\n"
      "       outpost cloud device show <id>\n"
      "       outpost cloud device delete <id>\n"
      "  each with --connection-string CS (or OUTPOST_CLOUD_CONNECTION_STRING) [--url URL] [--ca-file PEM]\n"
      "  create authenticates the device with a SAS key (generated unless --key), or X.509: the\n"
      "  thumbprint of a self-signed --certificate (or --thumbprint), or a certificate whose CA the\n"
      "  hub trusts (--ca-signed; its common name is the device id)\n";
  const auto [positional, opts] = parse_cloud_command(args, {"key", "output", "certificate", "thumbprint"}, {"edge", "ca-signed"});
  if (opts.has("help") || positional.empty()) {
    std::cout << kUsage;
    return opts.has("help") ? 0 : 2;
  }
  const auto& verb = positional[0];
  const auto id = [&]() -> std::string {
    if (positional.size() < 2) throw UsageError("outpost cloud device " + verb + " needs the device id");
    return positional[1];
  };
  const CloudApi api(opts);
  if (verb == "create") {
    nlohmann::json device{{"deviceId", id()}, {"authentication", device_authentication(opts)}};
    if (opts.has("edge")) device["capabilities"] = {{"iotEdge", true}};
    print_json(api.call("PUT", "/devices/" + url_encode(id()), device).body);
    return 0;
  }
  if (verb == "show") {
    print_json(api.call("GET", "/devices/" + url_encode(id())).body);
    return 0;
  }
  if (verb == "delete") {
    api.call("DELETE", "/devices/" + url_encode(id()), nullptr, "*");
    std::cout << id() << "\n";
    return 0;
  }
  if (verb == "list") {
    const auto devices = api.call("GET", "/devices?top=1000").body;
    if (opts.get("output") == "json") {
      print_json(devices);
      return 0;
    }
    std::printf("%-32s %-6s %-10s %s\n", "DEVICE ID", "EDGE", "STATUS", "CONNECTION");
    for (const auto& d : devices.is_array() ? devices : nlohmann::json::array()) {
      const bool edge = object_field(d, "capabilities").value("iotEdge", false);
      std::printf("%-32s %-6s %-10s %s\n", string_field(d, "deviceId").c_str(), edge ? "yes" : "no",
                  string_field(d, "status", "enabled").c_str(), string_field(d, "connectionState", "Disconnected").c_str());
    }
    return 0;
  }
  throw UsageError("unknown device command '" + verb + "' (create, list, show, delete)");
}

}  // namespace outpost::cli
