// outpost support-bundle (iotedge support-bundle): everything someone helping needs, in one
// zip — outpostd's bundle (system and resource facts, identities without keys, each module's
// details and logs within --since/--until) with the device checks' results added as
// check.json. Written to --output (default support_bundle.zip, as iotedge names it).
#include <zip.h>

#include <iostream>
#include <memory>

#include "commands.h"
#include "device_checks.h"
#include "device_config.h"
#include "options.h"
#include "outpost/core/encoding.h"
#include "outpost/core/file_io.h"
#include "outpost/management_client/management_client.h"

namespace outpost::cli {
namespace {

// `archive` with `name` added: a new zip with the archive's entries copied over, then the file.
Result<std::string> add_to_zip(const std::string& archive, const std::string& name, const std::string& content) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* in_source = zip_source_buffer_create(archive.data(), archive.size(), 0, &error);
  if (!in_source) return make_error(std::string("zip: ") + zip_error_strerror(&error));
  zip_t* in = zip_open_from_source(in_source, ZIP_RDONLY, &error);
  if (!in) {
    zip_source_free(in_source);
    return make_error(std::string("the daemon's bundle is not a zip: ") + zip_error_strerror(&error));
  }
  std::unique_ptr<zip_t, decltype(&zip_discard)> in_zip(in, &zip_discard);

  zip_source_t* out_source = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!out_source) return make_error(std::string("zip: ") + zip_error_strerror(&error));
  zip_source_keep(out_source);  // read back after the new archive is closed
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(out_source, &zip_source_free);
  zip_t* out = zip_open_from_source(out_source, ZIP_TRUNCATE, &error);
  if (!out) return make_error(std::string("zip: ") + zip_error_strerror(&error));
  const auto fail = [&](const std::string& what) {
    const std::string why = zip_strerror(out);
    zip_discard(out);
    return make_error("zip: " + what + ": " + why);
  };
  const auto entries = zip_get_num_entries(in, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* entry = zip_get_name(in, static_cast<zip_uint64_t>(i), 0);
    zip_source_t* copy = entry ? zip_source_zip(out, in, static_cast<zip_uint64_t>(i), 0, 0, -1) : nullptr;
    if (!copy || zip_file_add(out, entry, copy, ZIP_FL_ENC_UTF_8) < 0) {
      if (copy) zip_source_free(copy);
      return fail(entry ? entry : "an entry");
    }
  }
  zip_source_t* file = zip_source_buffer(out, content.data(), content.size(), 0);
  if (!file || zip_file_add(out, name.c_str(), file, ZIP_FL_ENC_UTF_8) < 0) {
    if (file) zip_source_free(file);
    return fail(name);
  }
  if (zip_close(out) != 0) return fail("writing");
  if (zip_source_open(out_source) != 0) return make_error("zip: cannot read the bundle back");
  std::string bytes;
  char buffer[65536];
  for (zip_int64_t n; (n = zip_source_read(out_source, buffer, sizeof buffer)) > 0;) bytes.append(buffer, static_cast<std::size_t>(n));
  zip_source_close(out_source);
  return bytes;
}

}  // namespace

int support_bundle_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage =
      "usage: outpost support-bundle [--output support_bundle.zip] [--since 1d] [--until T] [--edge-runtime-only]\n"
      "                              [-H|--host URI] [--config /etc/outpost/config.yaml]\n";
  try {
    const Options opts(expand_short_options(args), {"output", "since", "until", "host", "config"}, {"edge-runtime-only", "help"});
    if (opts.has("help")) {
      std::cout << kUsage;
      return 0;
    }
    const auto config = opts.get("config").value_or(kDefaultConfig);
    const auto device = read_device_config(config);
    const auto uri = management_uri(opts, device);
    auto management = management::ManagementClient::create({uri});
    if (!management) throw UsageError(management.error());
    std::string query = "since=" + url_encode(opts.get("since").value_or("1d"));
    if (auto until = opts.get("until")) query += "&until=" + url_encode(*until);
    if (opts.has("edge-runtime-only")) query += "&edge_runtime_only=true";
    auto bundle = management->support_bundle(query);
    if (!bundle) {
      std::cerr << "outpost support-bundle: " << bundle.error() << "\n";
      return 1;
    }
    const auto checks = checks_json(run_device_checks(read_device_facts(config, uri)));
    auto with_checks = add_to_zip(*bundle, "check.json", checks.dump(2));
    if (!with_checks) {
      std::cerr << "outpost support-bundle: " << with_checks.error() << "\n";
      return 1;
    }
    const auto output = opts.get("output").value_or("support_bundle.zip");
    if (auto written = write_file_atomically(output, *with_checks, 0600); !written) {
      std::cerr << "outpost support-bundle: " << written.error() << "\n";
      return 1;
    }
    std::cout << "Created support bundle at " << output << "\n";
    return 0;
  } catch (const UsageError& e) {
    std::cerr << "outpost support-bundle: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

}  // namespace outpost::cli
