#include "message_mapping.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include <fmt/format.h>
#include <proton/annotation_key.hpp>
#include <proton/binary.hpp>
#include <proton/codec/decoder.hpp>
#include <proton/error.hpp>
#include <proton/symbol.hpp>
#include <proton/timestamp.hpp>
#include <proton/uuid.hpp>

namespace outpost::amqp {
namespace {

struct MappedProperty {
  std::string_view amqp;
  std::string_view internal;
};

// Message annotations that carry string system properties.
constexpr std::array<MappedProperty, 4> kStringAnnotations{{
    {"iothub-interface-id", sysprop::kInterfaceId},
    {"dt-subject", sysprop::kComponent},
    {"iothub-connection-device-id", sysprop::kConnectionDeviceId},
    {"iothub-connection-module-id", sysprop::kConnectionModuleId},
}};
constexpr std::string_view kEnqueuedTimeAnnotation = "iothub-enqueuedtime";
constexpr std::string_view kInputNameAnnotation = "x-opt-input-name";

// Application properties that carry system properties.
constexpr std::array<MappedProperty, 5> kSystemApplicationProperties{{
    {"iothub-outputname", sysprop::kOutputName},
    {"iothub-message-schema", sysprop::kMessageSchema},
    {"iothub-creation-time-utc", sysprop::kCreationTime},
    {"iothub-operation", sysprop::kOperation},
    {"iothub-ack", sysprop::kAck},
}};

std::optional<std::string_view> system_property_for(std::string_view application_key) {
  for (const auto& m : kSystemApplicationProperties)
    if (m.amqp == application_key) return m.internal;
  return std::nullopt;
}

std::optional<std::string_view> application_key_for(std::string_view internal) {
  for (const auto& m : kSystemApplicationProperties)
    if (m.internal == internal) return m.amqp;
  return std::nullopt;
}

std::optional<std::string_view> annotation_for(std::string_view internal) {
  for (const auto& m : kStringAnnotations)
    if (m.internal == internal) return m.amqp;
  return std::nullopt;
}

// --- time -------------------------------------------------------------------------------

constexpr std::int64_t kMillisPerDay = 86'400'000;
constexpr std::int64_t kMinMillis = -62'135'596'800'000;  // 0001-01-01T00:00:00.000Z
constexpr std::int64_t kMaxMillis = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

unsigned days_in_month(int year, int month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads exactly `n` decimal digits at `pos` and moves past them.
std::optional<int> iso_digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (text.size() - pos < n) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool iso_char(std::string_view text, std::size_t& pos, char a, char b = '\0') {
  if (pos >= text.size() || (text[pos] != a && (b == '\0' || text[pos] != b))) return false;
  ++pos;
  return true;
}

// A two-digit field followed by `separator` (none when '\0'), no greater than `max`.
std::optional<int> iso_field(std::string_view text, std::size_t& pos, int min, int max, char separator) {
  const auto value = iso_digits(text, pos, 2);
  if (!value || *value < min || *value > max) return std::nullopt;
  if (separator != '\0' && !iso_char(text, pos, separator)) return std::nullopt;
  return value;
}

// --- values -------------------------------------------------------------------------------

std::string uuid_text(const proton::uuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto byte = static_cast<unsigned char>(id[i]);
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

std::string utf8_of_char(std::uint32_t c) {
  if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) c = 0xfffd;  // not a character
  std::string out;
  const auto byte = [&](std::uint32_t b) { out += static_cast<char>(b); };
  if (c < 0x80) {
    byte(c);
  } else if (c < 0x800) {
    byte(0xc0 | c >> 6);
    byte(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    byte(0xe0 | c >> 12);
    byte(0x80 | (c >> 6 & 0x3f));
    byte(0x80 | (c & 0x3f));
  } else {
    byte(0xf0 | c >> 18);
    byte(0x80 | (c >> 12 & 0x3f));
    byte(0x80 | (c >> 6 & 0x3f));
    byte(0x80 | (c & 0x3f));
  }
  return out;
}

std::string bytes_text(const proton::binary& bytes) { return std::string(bytes.begin(), bytes.end()); }

// The text of a scalar property value (null: nullopt). False for decimals: they have no
// faithful text without a decimal library, and no SDK sends them.
bool scalar_text(const proton::scalar& v, std::optional<std::string>& text) {
  using proton::get;
  switch (v.type()) {
    case proton::NULL_TYPE: text.reset(); return true;
    case proton::BOOLEAN: text = get<bool>(v) ? "true" : "false"; return true;
    case proton::UBYTE: text = std::to_string(get<std::uint8_t>(v)); return true;
    case proton::BYTE: text = std::to_string(get<std::int8_t>(v)); return true;
    case proton::USHORT: text = std::to_string(get<std::uint16_t>(v)); return true;
    case proton::SHORT: text = std::to_string(get<std::int16_t>(v)); return true;
    case proton::UINT: text = std::to_string(get<std::uint32_t>(v)); return true;
    case proton::INT: text = std::to_string(get<std::int32_t>(v)); return true;
    case proton::ULONG: text = std::to_string(get<std::uint64_t>(v)); return true;
    case proton::LONG: text = std::to_string(get<std::int64_t>(v)); return true;
    case proton::CHAR: text = utf8_of_char(static_cast<std::uint32_t>(get<wchar_t>(v))); return true;
    case proton::FLOAT: text = fmt::format("{}", get<float>(v)); return true;
    case proton::DOUBLE: text = fmt::format("{}", get<double>(v)); return true;
    case proton::TIMESTAMP: text = iso8601_from_millis(get<proton::timestamp>(v).milliseconds()); return true;
    case proton::UUID: text = uuid_text(get<proton::uuid>(v)); return true;
    case proton::BINARY: text = bytes_text(get<proton::binary>(v)); return true;
    case proton::STRING: text = get<std::string>(v); return true;
    case proton::SYMBOL: text = std::string(get<proton::symbol>(v)); return true;
    default: return false;
  }
}

bool is_scalar_type(proton::type_id type) {
  switch (type) {
    case proton::DESCRIBED:
    case proton::ARRAY:
    case proton::LIST:
    case proton::MAP: return false;
    default: return true;
  }
}

bool is_text_type(proton::type_id type) { return type == proton::STRING || type == proton::SYMBOL; }

// One entry of a map section. Keys that are not strings and values that are not scalars are
// skipped by the decoder, not copied: only their types are kept.
struct MapEntry {
  proton::type_id key_type = proton::NULL_TYPE;
  std::string key;
  proton::type_id value_type = proton::NULL_TYPE;
  proton::scalar value;
};

// A map section's entries in the order they arrived (nullopt when it is not a map). Proton's
// own map accessors sort the keys, throw on keys of an unexpected type, and would copy every
// value into a proton::value of its own.
std::optional<std::vector<MapEntry>> map_entries(const proton::value& section) {
  std::vector<MapEntry> entries;
  if (section.empty()) return entries;
  try {
    proton::codec::decoder d(section);
    proton::codec::start start;
    d >> start;
    if (start.type != proton::MAP) return std::nullopt;
    entries.reserve(start.size / 2);
    for (std::size_t i = 0; i + 1 < start.size; i += 2) {
      MapEntry e;
      e.key_type = d.next_type();
      if (e.key_type == proton::STRING) {
        d >> e.key;
      } else if (e.key_type == proton::SYMBOL) {
        proton::symbol key;
        d >> key;
        e.key = std::move(key);
      } else {
        d.next();
      }
      e.value_type = d.next_type();
      if (e.value_type != proton::NULL_TYPE && is_scalar_type(e.value_type)) d >> e.value;
      else d.next();
      entries.push_back(std::move(e));
    }
  } catch (const proton::error&) {
    return std::nullopt;
  }
  return entries;
}

// --- from AMQP ----------------------------------------------------------------------------

Result<std::string> body_from_amqp(const proton::message& in) {
  const auto& body = in.body();
  switch (body.type()) {
    case proton::NULL_TYPE: return std::string();
    case proton::BINARY: return bytes_text(proton::get<proton::binary>(body));  // a data section
    case proton::STRING: return proton::get<std::string>(body);
    default:
      return make_error(fmt::format("body: an AMQP {} (expected a data section or a string)",
                                    proton::type_name(body.type())));
  }
}

void read_properties_section(const proton::message& in, PropertyList& system) {
  // Proton gives "" for an absent field; an empty id or string carries nothing either.
  const auto add = [&](std::string_view name, std::string value) {
    if (!value.empty()) system.set(std::string(name), std::move(value));
  };
  add(sysprop::kMessageId, id_to_string(in.id()));
  add(sysprop::kCorrelationId, id_to_string(in.correlation_id()));
  add(sysprop::kTo, in.to());
  add(sysprop::kUserId, in.user());
  add(sysprop::kContentType, in.content_type());
  add(sysprop::kContentEncoding, in.content_encoding());
  // 0 is Proton's "absent" too.
  if (const auto expiry = in.expiry_time().milliseconds(); expiry != 0)
    system.set(std::string(sysprop::kExpiryTime), iso8601_from_millis(expiry));
}

Status read_annotations(const proton::message& in, PropertyList& system) {
  const auto entries = map_entries(in.message_annotations().value());
  if (!entries) return make_error("message-annotations: not a map");
  // Looked up in a fixed order, so the system properties' order does not depend on the
  // sender's; a repeated key: the last one wins, as in any map.
  std::array<const MapEntry*, kStringAnnotations.size()> strings{};
  const MapEntry* enqueued = nullptr;
  for (const auto& e : *entries) {
    if (!is_text_type(e.key_type)) continue;  // ulong keys are reserved; IoT Hub uses none
    if (e.key == kEnqueuedTimeAnnotation) enqueued = &e;
    for (std::size_t i = 0; i < kStringAnnotations.size(); ++i)
      if (e.key == kStringAnnotations[i].amqp) strings[i] = &e;
  }
  for (std::size_t i = 0; i < kStringAnnotations.size(); ++i) {
    const auto* e = strings[i];
    if (!e || e->value_type == proton::NULL_TYPE) continue;
    if (!is_text_type(e->value_type))
      return make_error(
          fmt::format("annotation '{}': an AMQP {}, not a string", e->key, proton::type_name(e->value_type)));
    std::optional<std::string> text;
    scalar_text(e->value, text);
    system.set(std::string(kStringAnnotations[i].internal), std::move(text));
  }
  if (enqueued && enqueued->value_type != proton::NULL_TYPE) {
    if (enqueued->value_type != proton::TIMESTAMP)
      return make_error(fmt::format("annotation '{}': an AMQP {}, not a timestamp", kEnqueuedTimeAnnotation,
                                    proton::type_name(enqueued->value_type)));
    system.set(std::string(sysprop::kEnqueuedTime),
               iso8601_from_millis(proton::get<proton::timestamp>(enqueued->value).milliseconds()));
  }
  return {};
}

// Appends in arrival order; a repeated name keeps its first place and its last value (what
// PropertyList::set does, without its linear search per property: a message may carry
// hundreds of thousands of tiny ones).
class OrderedProperties {
 public:
  void set(std::string name, std::optional<std::string> value) {
    const auto [it, added] = index_.try_emplace(name, items_.size());
    if (added) items_.push_back({std::move(name), std::move(value)});
    else items_[it->second].value = std::move(value);
  }
  // `list` holds none of these names.
  void append_to(PropertyList& list) {
    list.reserve(list.size() + items_.size());
    for (auto& p : items_) list.append(std::move(p.name), std::move(p.value));
  }

 private:
  std::vector<Property> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

Status read_application_properties(const proton::message& in, Message& out) {
  auto properties = application_properties_of(in);
  if (!properties) return properties.failure();
  OrderedProperties system;
  OrderedProperties application;
  for (auto& [name, value] : *properties) {
    std::optional<std::string> text;
    if (!scalar_text(value, text))
      return make_error(fmt::format("application property '{}': an AMQP {} has no text",
                                    name, proton::type_name(value.type())));
    if (const auto internal = system_property_for(name)) system.set(std::string(*internal), std::move(text));
    else application.set(std::move(name), std::move(text));
  }
  // Neither list holds these names yet: the properties section and the annotations give
  // other system properties.
  system.append_to(out.system);
  application.append_to(out.application);
  return {};
}

Result<Message> map_from_amqp(const proton::message& in) {
  Message out;
  auto body = body_from_amqp(in);
  if (!body) return body.failure();
  out.body = std::move(*body);
  read_properties_section(in, out.system);
  if (auto read = read_annotations(in, out.system); !read) return read.failure();
  if (auto read = read_application_properties(in, out); !read) return read.failure();
  return out;
}

proton::annotation_key symbol_key(std::string_view name) {
  return proton::annotation_key(proton::symbol(std::string(name)));
}

}  // namespace

Result<ApplicationProperties> application_properties_of(const proton::message& in) {
  const auto entries = map_entries(in.properties().value());
  if (!entries) return make_error("application-properties: not a map");
  ApplicationProperties out;
  out.reserve(entries->size());
  for (const auto& e : *entries) {
    if (!is_text_type(e.key_type))
      return make_error(fmt::format("application-properties: a key of type {} (keys are strings)",
                                    proton::type_name(e.key_type)));
    if (!is_scalar_type(e.value_type))
      return make_error(fmt::format("application property '{}': an AMQP {} (expected a scalar)", e.key,
                                    proton::type_name(e.value_type)));
    out.emplace_back(e.key, e.value);
  }
  return out;
}

Result<Message> from_amqp(const proton::message& in) {
  // The type checks above keep Proton's conversions from throwing; should one still throw on
  // a malformed message, the message is refused, not the connection torn down.
  try {
    return map_from_amqp(in);
  } catch (const proton::error& e) {
    return make_error(fmt::format("AMQP message: {}", e.what()));
  }
}

void to_amqp(const Message& in, proton::message& out, std::string_view input_name) {
  out.clear();
  out.body(proton::binary(in.body));
  out.inferred(true);  // a data section, which the SDKs require (they read body.content)
  auto& annotations = out.message_annotations();
  auto& properties = out.properties();
  for (const auto& p : in.system) {
    const auto application_key = application_key_for(p.name);
    if (application_key) {
      properties.put(std::string(*application_key), p.value ? proton::scalar(*p.value) : proton::scalar());
      continue;
    }
    // The properties section and annotations have no null: a null value is left out.
    if (!p.value) continue;
    const auto& v = *p.value;
    if (p.name == sysprop::kMessageId) {
      if (!v.empty()) out.id(proton::message_id(v));
    } else if (p.name == sysprop::kCorrelationId) {
      if (!v.empty()) out.correlation_id(proton::message_id(v));
    } else if (p.name == sysprop::kTo) {
      if (!v.empty()) out.to(v);
    } else if (p.name == sysprop::kUserId) {
      if (!v.empty()) out.user(v);
    } else if (p.name == sysprop::kContentType) {
      if (!v.empty()) out.content_type(v);
    } else if (p.name == sysprop::kContentEncoding) {
      if (!v.empty()) out.content_encoding(v);
    } else if (p.name == sysprop::kExpiryTime) {
      // Not ISO 8601 (whatever an MQTT client put in $.exp): no timestamp to give, and the
      // message is still worth delivering, so the expiry is left out.
      if (const auto millis = millis_from_iso8601(v)) out.expiry_time(proton::timestamp(*millis));
    } else if (p.name == sysprop::kEnqueuedTime) {
      if (const auto millis = millis_from_iso8601(v))
        annotations.put(symbol_key(kEnqueuedTimeAnnotation), proton::timestamp(*millis));
    } else if (const auto annotation = annotation_for(p.name)) {
      annotations.put(symbol_key(*annotation), v);
    }
  }
  for (const auto& p : in.application) {
    // A name IoT Hub reserves for a system property is that property's (from_amqp reads it so).
    if (system_property_for(p.name)) continue;
    properties.put(p.name, p.value ? proton::scalar(*p.value) : proton::scalar());
  }
  if (!input_name.empty()) annotations.put(symbol_key(kInputNameAnnotation), std::string(input_name));
}

std::string body_bytes(const proton::message& m) {
  const auto& body = m.body();
  if (body.type() == proton::BINARY) return std::string(proton::get<proton::binary>(body));
  if (body.type() == proton::STRING) return proton::get<std::string>(body);
  return {};
}

void set_data_body(proton::message& m, std::string_view payload) {
  m.body(proton::binary(payload.begin(), payload.end()));
  m.inferred(true);
}

std::string id_to_string(const proton::message_id& id) {
  switch (id.type()) {
    case proton::NULL_TYPE: return {};
    case proton::STRING: return proton::get<std::string>(id);
    case proton::UUID: return uuid_text(proton::get<proton::uuid>(id));
    case proton::ULONG: return std::to_string(proton::get<std::uint64_t>(id));
    case proton::BINARY: return bytes_text(proton::get<proton::binary>(id));
    default: return proton::to_string(id);  // not an AMQP id type; Proton decodes what it gets
  }
}

std::string iso8601_from_millis(std::int64_t millis) {
  const auto ms = std::clamp(millis, kMinMillis, kMaxMillis);
  const auto days = (ms >= 0 ? ms : ms - (kMillisPerDay - 1)) / kMillisPerDay;  // floor
  const auto rest = ms - days * kMillisPerDay;
  const auto date = civil_from_days(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", date.year, date.month, date.day,
                     rest / 3'600'000, rest / 60'000 % 60, rest / 1000 % 60, rest % 1000);
}

std::optional<std::int64_t> millis_from_iso8601(std::string_view text) {
  std::size_t pos = 0;
  const auto year = iso_digits(text, pos, 4);
  if (!year || !iso_char(text, pos, '-')) return std::nullopt;
  const auto month = iso_field(text, pos, 1, 12, '-');
  if (!month) return std::nullopt;
  const auto day = iso_field(text, pos, 1, static_cast<int>(days_in_month(*year, *month)), '\0');
  if (!day || !iso_char(text, pos, 'T', 't')) return std::nullopt;
  const auto hour = iso_field(text, pos, 0, 23, ':');
  const auto minute = hour ? iso_field(text, pos, 0, 59, ':') : std::nullopt;
  const auto second = minute ? iso_field(text, pos, 0, 59, '\0') : std::nullopt;
  if (!second) return std::nullopt;
  std::int64_t fraction = 0;
  if (iso_char(text, pos, '.')) {
    std::size_t digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
      if (digits < 3) fraction = fraction * 10 + (text[pos] - '0');
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) fraction *= 10;
  }
  std::int64_t offset_minutes = 0;
  if (pos < text.size() && !iso_char(text, pos, 'Z', 'z')) {
    const char sign = text[pos++];
    if (sign != '+' && sign != '-') return std::nullopt;
    const auto hours = iso_field(text, pos, 0, 23, ':');
    const auto minutes = hours ? iso_field(text, pos, 0, 59, '\0') : std::nullopt;
    if (!minutes) return std::nullopt;
    offset_minutes = (*hours * 60 + *minutes) * (sign == '-' ? -1 : 1);
  }
  if (pos != text.size()) return std::nullopt;
  const auto days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  const std::int64_t seconds = (*hour * 60 + *minute) * 60 + *second;
  return days * kMillisPerDay + seconds * 1000 + fraction - offset_minutes * 60'000;
}

}  // namespace outpost::amqp
