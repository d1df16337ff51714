// Proton's SASL server for one connection, with PLAIN: IoT Hub's user
// "{d}[/modules/{m}]@sas.{hub}" and a SAS token as the password (hub-protocol.md §5). Debian's
// Proton has no Cyrus SASL; its built-in server offers only ANONYMOUS (and EXTERNAL when
// Proton does the TLS, which here Asio does). ANONYMOUS stays: the Azure SDKs prove
// identities with CBS afterwards (or skip SASL altogether).
#pragma once
#include <string_view>

#include <proton/transport.hpp>

#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"

namespace outpost::amqp {

// Decides a PLAIN login; called on the EventLoop's thread while Proton reads the SASL frame.
class SaslAuthority {
 public:
  virtual ~SaslAuthority() = default;
  virtual bool authenticate_plain(std::string_view user, std::string_view password) = 0;
};

// Before the transport reads its first byte. `authority` outlives the transport.
void install_sasl_server(const proton::transport& transport, SaslAuthority& authority);

struct PlainUser {
  iothub::Identity identity;
  std::string host;
};
// "{d}[/modules/{m}]@sas.{hub}"; the error names what is wrong.
Result<PlainUser> parse_plain_user(std::string_view user);

}  // namespace outpost::amqp
