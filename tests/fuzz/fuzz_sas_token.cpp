// Fuzz target: SAS token parsing and verification, connection strings and base64/url codecs.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "outpost/core/connection_string.h"
#include "outpost/core/encoding.h"
#include "outpost/core/sas_token.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const outpost::SasKeys keys{"b3V0cG9zdC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVm", "c2Vjb25kYXJ5"};
  const outpost::SasAudience audience{{"myhub.azure-devices.net"}, "dev1", std::string("mod1")};
  const auto verdict = outpost::verify_sas_token(input, keys, &audience, 1795412000);
  if (verdict.ok() != (verdict.failure == outpost::SasFailure::none)) std::abort();
  (void)outpost::parse_connection_string(input);
  if (const auto decoded = outpost::base64_decode(input)) {
    // Non-canonical trailing bits are accepted, so compare bytes, not text.
    if (outpost::base64_decode(outpost::base64_encode(*decoded)) != *decoded) std::abort();
  }
  if (const auto decoded = outpost::url_decode(input)) {
    if (outpost::url_decode(outpost::url_encode(*decoded)) != *decoded) std::abort();
  }
  return 0;
}
