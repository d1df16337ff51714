// settings.createOptions as manifests carry it (daemon-agent-manifest.md §3): an object, a
// string of JSON (twins had no arrays and cap strings at 4 KB), or that string split over
// createOptions, createOptions01 … createOptions99. What IoT Edge's agent accepts
// (DockerConfig.GetCreateOptions, JsonEx.ChunkedValue), read without throwing.
#include <fmt/format.h>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "outpost/agent/manifest.h"
#include "manifest_internal.h"
#include "outpost/core/json.h"

namespace outpost::agent {
namespace {

using manifest_detail::describe;
using manifest_detail::printable;
using nlohmann::json;

constexpr std::string_view kCreateOptions = "createOptions";

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

bool is_null_word(std::string_view text) {
  if (text.size() != 4) return false;
  for (std::size_t i = 0; i < 4; ++i)
    if ((text[i] | 0x20) != "null"[i]) return false;
  return true;
}

std::string chunk_name(int number) {
  return number == 0 ? std::string(kCreateOptions) : fmt::format("{}{:02}", kCreateOptions, number);
}

// The JSON text of the options; `where` names the field(s) it came from.
Result<json> from_text(std::string_view text, const std::string& where) {
  // IoT Edge: blank text, or "null" in any case, means no options at all.
  const std::string_view body = trimmed(text);
  if (body.empty() || is_null_word(body)) return json::object();
  auto parsed = parse_json(body);  // depth-limited: the text comes from the cloud or a file
  if (!parsed) return make_error(fmt::format("{}: {} ('{}')", where, parsed.error(), printable(body, 40)));
  if (!parsed->is_object())
    return make_error(
        fmt::format("{}: the JSON text holds {}, not an object of Docker create options", where, describe(*parsed)));
  return std::move(parsed).value();
}

}  // namespace

Result<json> read_create_options(const json& settings) {
  if (!settings.is_object())
    return make_error(fmt::format("settings: must be an object, found {}", describe(settings)));

  const json* first = nullptr;        // createOptions
  std::map<int, const json*> chunks;  // createOptions01 … createOptions99, by number
  for (auto item = settings.begin(); item != settings.end(); ++item) {
    const std::string& key = item.key();
    if (key.compare(0, kCreateOptions.size(), kCreateOptions) != 0) continue;
    const std::string_view suffix = std::string_view(key).substr(kCreateOptions.size());
    if (suffix.empty()) {
      first = &item.value();
      continue;
    }
    const bool two_digits = suffix.size() == 2 && suffix[0] >= '0' && suffix[0] <= '9' && suffix[1] >= '0' &&
                            suffix[1] <= '9' && suffix != "00";
    if (!two_digits)
      return make_error(
          fmt::format("{}: not a createOptions chunk (the text may go on in createOptions01 … "
                      "createOptions99, two digits each)",
                      printable(key)));
    chunks[(suffix[0] - '0') * 10 + (suffix[1] - '0')] = &item.value();
  }

  if (chunks.empty()) {
    if (first == nullptr || first->is_null()) return json::object();
    if (first->is_object()) return *first;
    if (first->is_string()) return from_text(first->get_ref<const std::string&>(), chunk_name(0));
    return make_error(fmt::format("createOptions: must be an object or a string of JSON, found {}", describe(*first)));
  }

  // Chunked: createOptions holds the start, createOptions01 … the rest, in order, no gaps.
  if (first == nullptr || first->is_null())
    return make_error(fmt::format("createOptions: missing, but {} is there (the text starts in createOptions)",
                                  chunk_name(chunks.begin()->first)));
  if (!first->is_string())
    return make_error(
        fmt::format("createOptions: must be a string when the text goes on in createOptions01 …, "
                    "found {}",
                    describe(*first)));
  std::string text = first->get<std::string>();
  int expected = 1;
  for (const auto& [number, chunk] : chunks) {
    if (number != expected)
      return make_error(fmt::format("{}: missing between {} and {} (the chunks must be contiguous)",
                                    chunk_name(expected), chunk_name(expected - 1), chunk_name(number)));
    if (!chunk->is_string())
      return make_error(fmt::format("{}: must be a string (a piece of the createOptions JSON text), found {}",
                                    chunk_name(number), describe(*chunk)));
    text += chunk->get_ref<const std::string&>();
    ++expected;
  }
  return from_text(text, fmt::format("{} … {} (joined)", chunk_name(0), chunk_name(expected - 1)));
}

}  // namespace outpost::agent
