// ModuleClient::fromEnvironment: the identity IoT Edge (and outpostd) gives a module in its
// environment, with tokens signed by the workload API and its trust bundle as the TLS trust.
#pragma once
#include "credentials.h"
#include "outpost/client/client_options.h"

namespace outpost::client::detail {

// Throws ClientError(invalid_argument) naming a missing variable, (workload) when the
// workload API cannot give the trust bundle.
Credentials credentials_from_environment(ClientOptions& options);

}  // namespace outpost::client::detail
