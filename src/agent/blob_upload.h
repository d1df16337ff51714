// Where UploadModuleLogs and UploadSupportBundle put what they collect: a blob in the
// container the request's `sasUrl` names (https://<account>.blob.core.windows.net/<container>?<SAS>),
// written as Azure Blob Storage's Put Blob does it — one PUT of the whole blob with
// `x-ms-blob-type: BlockBlob` — under IoT Edge's names:
//   <hub>/<device>/<module>-<yyyy-MM-dd--HH-mm-ss>.<log|json|gz>
//   <hub>/<device>/support-bundle-<yyyy-MM-dd--HH-mm-ss>.zip
// (<hub>: the IoT Hub's name, the host name's first label). A plain http:// URL is accepted too
// (a local blob store such as Azurite). Failures are retried twice (5 s, then 20 s), as IoT
// Edge's agent does.
#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "outpost/core/result.h"

namespace outpost::agent {

struct BlobTarget {
  std::string sas_url;  // the container, with its SAS query
  std::string ca_file;  // trust for https (empty: the system's store)
  std::chrono::milliseconds retry_first{5000};
  std::chrono::milliseconds retry_second{20000};
};

// "myhub.azure-devices.net" -> "myhub"; an IP address stays whole.
std::string iothub_name(const std::string& iothub_hostname);
// <hub>/<device>/<id>-<UTC now as yyyy-MM-dd--HH-mm-ss>.<extension>
std::string blob_name(const std::string& iothub_hostname, const std::string& device, const std::string& id,
                      const std::string& extension, std::chrono::system_clock::time_point now);
// The blob's URL: the container's path, "/<blob name>" (each segment percent-encoded), its query.
// Errors name what is wrong with `sas_url`.
Result<std::string> blob_url(const std::string& sas_url, const std::string& name);

// PUTs `content` as the blob `name`; retried as above. Errors carry the store's status and words.
Status put_blob(const BlobTarget& target, const std::string& name, std::string_view content,
                const std::string& content_type, const std::string& content_encoding = {});

}  // namespace outpost::agent
