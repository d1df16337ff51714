// Claims-based security ($cbs): a client proves an identity by putting a SAS token for its
// audience; the reply says whether that worked (hub-protocol.md §5, "CBS").
#pragma once
#include <string>
#include <string_view>

#include <proton/message.hpp>
#include <proton/message_id.hpp>

#include "outpost/core/result.h"
#include "outpost/iothub/identity.h"

namespace outpost::amqp {

struct PutTokenRequest {
  std::string audience;  // application property "name"
  std::string token;     // the body (string or data section)
  proton::message_id request_id;  // its message-id, echoed as the reply's correlation-id (same type)
  std::string reply_to;
};

// operation="put-token", type "servicebus.windows.net:sastoken" or "azure-devices.net:sastoken",
// a non-empty name, a token body of at most 4 KB and a message-id. The error names what is missing
// or wrong; the caller answers it with status 400 (correlated by the request's id()).
Result<PutTokenRequest> parse_put_token(const proton::message& request);

// The reply: correlation-id = the request's message-id, application properties status-code (int)
// and status-description.
proton::message put_token_reply(const proton::message_id& request_id, int status, std::string_view description);

struct Audience {
  std::string host;            // "myhub.local"
  iothub::Identity identity;   // from "/devices/{d}[/modules/{m}]"
};
// "{host}/devices/{d}[/modules/{m}]", optionally with a scheme ("amqps://") in front; ids may
// be percent-encoded (the C# SDK encodes them), decoded here. An audience without a '/' is
// decoded as a whole first: the Node SDK sends its token's sr, still URL-encoded.
Result<Audience> parse_audience(std::string_view audience);

}  // namespace outpost::amqp
