// outpost-load fleet: many IoT Hub devices publishing telemetry at once, each on its own
// MQTT connection with up to --window QoS 1 messages in flight; measures how fast the
// server acknowledges them (for a cloud, the PUBACK means "stored").
//
//   outpost-load fleet --port P --devices 200 --device-prefix bench- --count 500 --window 10
//                      --size 256 --iothub-host cloud.local --policy device --policy-key K
//
// Devices authenticate with a DeviceConnect policy token (sr=host/devices/{d}, skn=policy),
// so only the policy key is needed; the devices must exist in the cloud's registry.
// Prints one JSON line: acked, seconds, throughput_msg_s, ack latency percentiles (us).
#pragma once
#include <map>
#include <string>

namespace outpost::load {

int run_fleet(const std::map<std::string, std::string>& options);

}  // namespace outpost::load
