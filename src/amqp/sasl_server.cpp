#include "sasl_server.h"

#include <cstring>
#include <string>

#include <proton/sasl_plugin.h>

namespace outpost::amqp {
namespace {

// proton::transport hides its pn_transport_t; the plugin API needs it.
struct RawTransport : proton::transport {
  explicit RawTransport(const proton::transport& t) : proton::transport(t) {}
  pn_transport_t* raw() const { return pn_object(); }
};

SaslAuthority& authority_of(pn_transport_t* transport) {
  return *static_cast<SaslAuthority*>(pnx_sasl_get_context(transport));
}

void free_context(pn_transport_t*) {}  // the authority is the connection's, not ours

// EXTERNAL: the TLS client certificate (Asio's handshake, not Proton's) is checked when a link
// names its identity, as with no SASL at all.
const char* list_mechanisms(pn_transport_t*) { return "PLAIN ANONYMOUS EXTERNAL"; }

bool init_server(pn_transport_t* transport) {
  pnx_sasl_set_desired_state(transport, SASL_POSTED_MECHANISMS);
  return true;
}

bool init_client(pn_transport_t*) { return false; }  // only ever installed on servers

void prepare_write(pn_transport_t*) {}

// PLAIN's initial response: [authzid] NUL user NUL password (RFC 4616).
void process_init(pn_transport_t* transport, const char* mechanism, const pn_bytes_t* received) {
  if (std::strcmp(mechanism, "ANONYMOUS") == 0 || std::strcmp(mechanism, "EXTERNAL") == 0) {
    pnx_sasl_set_succeeded(transport, "anonymous", "anonymous");
  } else if (std::strcmp(mechanism, "PLAIN") == 0 && received && received->start) {
    const std::string_view response(received->start, received->size);
    const auto first = response.find('\0');
    const auto second = first == std::string_view::npos ? first : response.find('\0', first + 1);
    if (second == std::string_view::npos) {
      pnx_sasl_set_failed(transport);
    } else {
      const std::string user(response.substr(first + 1, second - first - 1));
      if (authority_of(transport).authenticate_plain(user, response.substr(second + 1)))
        pnx_sasl_set_succeeded(transport, user.c_str(), user.c_str());
      else
        pnx_sasl_set_failed(transport);
    }
  } else {
    pnx_sasl_set_failed(transport);
  }
  pnx_sasl_set_desired_state(transport, SASL_POSTED_OUTCOME);
}

void process_response(pn_transport_t*, const pn_bytes_t*) {}
bool process_mechanisms(pn_transport_t*, const char*) { return false; }
void process_challenge(pn_transport_t*, const pn_bytes_t*) {}
void process_outcome(pn_transport_t*, const pn_bytes_t*) {}
bool can_encrypt(pn_transport_t*) { return false; }
ssize_t max_encrypt_size(pn_transport_t*) { return 0; }
ssize_t encode(pn_transport_t*, pn_bytes_t, pn_bytes_t*) { return 0; }
ssize_t decode(pn_transport_t*, pn_bytes_t, pn_bytes_t*) { return 0; }

const pnx_sasl_implementation kServer = {
    free_context,      list_mechanisms,   init_server,  init_client,      prepare_write,
    process_init,      process_response,  process_mechanisms, process_challenge, process_outcome,
    can_encrypt,       max_encrypt_size,  encode,       decode,
};

}  // namespace

void install_sasl_server(const proton::transport& transport, SaslAuthority& authority) {
  pnx_sasl_set_implementation(RawTransport(transport).raw(), &kServer, &authority);
}

Result<PlainUser> parse_plain_user(std::string_view user) {
  const auto at = user.rfind("@sas.");
  if (at == std::string_view::npos) return make_error("SASL PLAIN user '" + std::string(user) + "': expected {device}[/modules/{module}]@sas.{hub}");
  PlainUser parsed;
  parsed.host = std::string(user.substr(at + 5));
  const auto who = user.substr(0, at);
  const auto modules = who.find("/modules/");
  parsed.identity.device_id = std::string(who.substr(0, modules));
  if (modules != std::string_view::npos) parsed.identity.module_id = std::string(who.substr(modules + 9));
  const auto bad = [](std::string_view id) { return id.empty() || id.find_first_of("/#+") != std::string_view::npos; };
  if (parsed.host.empty() || bad(parsed.identity.device_id) || (parsed.identity.module_id && bad(*parsed.identity.module_id)))
    return make_error("SASL PLAIN user '" + std::string(user) + "': expected {device}[/modules/{module}]@sas.{hub}");
  return parsed;
}

}  // namespace outpost::amqp
