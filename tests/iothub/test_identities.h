// The identities the rules tests authorize: module A of edge1, and a leaf device.
#pragma once
#include <optional>
#include <string>

#include "outpost/iothub/identity.h"

namespace outpost::iothub::test_identities {

inline const Identity kModuleA{"edge1", std::string("A")};
inline const Identity kLeaf{"leaf1", std::nullopt};

}  // namespace outpost::iothub::test_identities
