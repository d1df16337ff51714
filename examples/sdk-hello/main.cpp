// sdk-hello: the smallest Outpost module. It connects to its edge hub, sends one message on
// output1, reads its twin, and exits.
//   OUTPOST_CONNECTION_STRING  HostName=…;DeviceId=…;ModuleId=…;SharedAccessKey=…;GatewayHostName=…
//                              (unset: the environment IoT Edge or outpostd gives a module)
//   OUTPOST_CA_FILE            the CA that signed the hub's certificate (optional)
#include <cstdlib>
#include <iostream>

#include <outpost/client/outpost_client.h>

using outpost::client::ClientError;
using outpost::client::ClientOptions;
using outpost::client::Message;
using outpost::client::ModuleClient;

int main() {
  try {
    ClientOptions options;
    if (const char* ca = std::getenv("OUTPOST_CA_FILE")) options.caFile = ca;
    const char* connection_string = std::getenv("OUTPOST_CONNECTION_STRING");
    auto client = connection_string ? ModuleClient::fromConnectionString(connection_string, options)
                                    : ModuleClient::fromEnvironment(options);

    client.open();
    std::cout << "connected as " << client.deviceId() << "/" << client.moduleId() << "\n";

    Message message("hello from sdk-hello");
    message.contentType = "text/plain";
    client.sendOutputEvent("output1", message);  // returns once the hub has acknowledged it
    std::cout << "sent \"" << message.body << "\" on output1\n";

    std::cout << "twin: " << client.getTwin() << "\n";
    client.close();
    return 0;
  } catch (const ClientError& e) {
    std::cerr << "sdk-hello: " << e.what() << " (" << to_string(e.code()) << ")\n";
    return 1;
  }
}
