#include "support_bundle.h"

#include <zip.h>

#include <memory>

#include <fmt/format.h>

namespace outpost::daemon {

Result<std::string> zip_files(const std::vector<std::pair<std::string, std::string>>& files) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) return make_error(ErrorKind::io, fmt::format("zip: {}", zip_error_strerror(&error)));
  zip_source_keep(buffer);  // read back after the archive is closed
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(buffer, &zip_source_free);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!archive) return make_error(ErrorKind::io, fmt::format("zip: {}", zip_error_strerror(&error)));
  for (const auto& [name, content] : files) {
    // libzip copies nothing: the source reads `content`, which outlives zip_close below.
    zip_source_t* file = zip_source_buffer(archive, content.data(), content.size(), 0);
    if (!file || zip_file_add(archive, name.c_str(), file, ZIP_FL_ENC_UTF_8) < 0) {
      if (file) zip_source_free(file);
      const std::string reason = zip_strerror(archive);
      zip_discard(archive);
      return make_error(ErrorKind::io, fmt::format("zip: {}: {}", name, reason));
    }
  }
  if (zip_close(archive) != 0) {
    const std::string reason = zip_strerror(archive);
    zip_discard(archive);
    return make_error(ErrorKind::io, "zip: " + reason);
  }
  if (zip_source_open(buffer) != 0) return make_error(ErrorKind::io, "zip: cannot read the archive back");
  zip_stat_t stat;
  zip_stat_init(&stat);
  zip_source_stat(buffer, &stat);
  std::string out(static_cast<std::size_t>(stat.size), '\0');
  const auto read = zip_source_read(buffer, out.data(), out.size());
  zip_source_close(buffer);
  if (read < 0 || static_cast<std::size_t>(read) != out.size()) return make_error(ErrorKind::io, "zip: short read");
  return out;
}

}  // namespace outpost::daemon
