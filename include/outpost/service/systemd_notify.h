// systemd's readiness protocol (sd_notify(3)): one datagram, "READY=1", to the unix socket
// named by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace). Written here, not
// linked from libsystemd: the protocol is a documented stable datagram, and libsystemd's
// dependencies (libgcrypt, compression libraries) cost a daemon ~0.9 MiB of resident memory.
#pragma once
#include <string_view>

namespace outpost::service {

// Sends `state` ("READY=1\nSTATUS=...") when $NOTIFY_SOCKET is set; false when it is not set
// or the send failed (a daemon runs on either way).
bool systemd_notify(std::string_view state);

}  // namespace outpost::service
