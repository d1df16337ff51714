#include "outpost/http_client/http_client.h"

#include <curl/curl.h>

#include <mutex>

#include <fmt/format.h>

#include "outpost/core/encoding.h"

namespace outpost::net {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string_view line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * count;
}

struct Easy {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  Easy() {
    global_init();
    curl = curl_easy_init();
  }
  ~Easy() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
  void setup(std::string_view method, const std::string& url, const Headers& h,
             const HttpClientOptions& options) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
    if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    if (!options.client_cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, options.client_cert_file.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, options.client_key_file.c_str());
    }
    if (!options.unix_socket.empty())
      curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, options.unix_socket.c_str());
    for (const auto& [k, v] : h) headers = curl_slist_append(headers, (k + ": " + v).c_str());
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  }
};

}  // namespace

Result<HttpClientResponse> http_request(std::string_view method, const std::string& url,
                                        const Headers& headers, std::string_view body,
                                        const HttpClientOptions& options) {
  Easy easy;
  if (!easy.curl) return make_error("curl: cannot initialise");
  easy.setup(method, url, headers, options);
  HttpClientResponse response;
  std::string body_copy(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDS, body_copy.c_str());
    curl_easy_setopt(easy.curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body_copy.size()));
  }
  curl_easy_setopt(easy.curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(easy.curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy.curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(easy.curl, CURLOPT_HEADERFUNCTION, append_header);
  curl_easy_setopt(easy.curl, CURLOPT_HEADERDATA, &response.headers);
  const auto rc = curl_easy_perform(easy.curl);
  if (rc != CURLE_OK) return make_error(fmt::format("{} {}: {}", method, url, curl_easy_strerror(rc)));
  curl_easy_getinfo(easy.curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Result<long> http_stream(const std::string& url, const Headers& headers,
                         const std::function<bool(std::string_view)>& on_data,
                         const HttpClientOptions& options) {
  Easy easy;
  if (!easy.curl) return make_error("curl: cannot initialise");
  easy.setup("GET", url, headers, options);
  struct Sink {
    const std::function<bool(std::string_view)>* on_data;
    bool stopped = false;
  } sink{&on_data};
  curl_easy_setopt(easy.curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(easy.curl, CURLOPT_WRITEFUNCTION,
                   +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
                     auto* s = static_cast<Sink*>(user);
                     if (!(*s->on_data)(std::string_view(data, size * count))) {
                       s->stopped = true;
                       return 0;  // makes curl abort the transfer
                     }
                     return size * count;
                   });
  curl_easy_setopt(easy.curl, CURLOPT_WRITEDATA, &sink);
  const auto rc = curl_easy_perform(easy.curl);
  long status = 0;
  curl_easy_getinfo(easy.curl, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK && !(sink.stopped && rc == CURLE_WRITE_ERROR))
    return make_error(fmt::format("GET {}: {}", url, curl_easy_strerror(rc)));
  return status;
}

}  // namespace outpost::net
