// Device and module keys the hub's registry tests sign with: 32 bytes, base64, as IoT Hub's.
#pragma once
#include <string>

#include "outpost/core/encoding.h"

namespace outpost::hub::test_keys {

inline const std::string kKeyA = base64_encode(std::string(32, 'a'));
inline const std::string kKeyA2 = base64_encode(std::string(32, 'b'));

}  // namespace outpost::hub::test_keys
