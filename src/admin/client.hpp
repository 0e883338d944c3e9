// A client of the admin API, for the CLI's `--to URL` commands (src/app/cmd_remote.cpp).
// URLs: http://HOST:PORT, https://HOST:PORT (certificate verified against the system CAs),
// HOST:PORT (http), or unix:/path/to/admin.sock. The bearer token is sent on every request.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::admin {

struct AdminUrl {
    enum class Kind { http, https, unix_socket } kind = Kind::http;
    std::string host;
    int port = 0;
    std::string path;  // unix socket path
};

/// Parses --to / $PAASRUN_URL. A path after host:port ("http://h:1/") must be empty or "/".
[[nodiscard]] Result<AdminUrl> parse_admin_url(std::string_view url);

struct ClientResponse {
    int status = 0;
    std::string body;
    std::string content_type;
    std::string location;  // the Location header, if any

    /// "HTTP 409 conflict: job j3 (deploy) is running" from an error body (or the raw body).
    [[nodiscard]] std::string describe() const;
};

class Client {
public:
    /// Connects lazily; `token` may be empty (then only the health endpoints answer).
    [[nodiscard]] static Result<std::unique_ptr<Client>> create(std::string_view url,
                                                                std::string token);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// An error is a transport failure ("connection refused to 127.0.0.1:5100"); HTTP error
    /// statuses are responses.
    [[nodiscard]] Result<ClientResponse> get(const std::string& path);
    [[nodiscard]] Result<ClientResponse> send_json(const std::string& method,
                                                   const std::string& path,
                                                   const std::string& json_body);
    /// Streams a file as the body (Content-Length known up front).
    [[nodiscard]] Result<ClientResponse> upload(const std::string& path,
                                                const std::filesystem::path& file,
                                                const std::string& content_type);
    /// GET with the body passed to `on_data` as it arrives (chunked streams); `on_data`
    /// returning false ends the request. Returns the status once the stream ends.
    [[nodiscard]] Result<ClientResponse> stream(
        const std::string& path, const std::function<bool(std::string_view)>& on_data);

    [[nodiscard]] const std::string& url() const { return url_; }

    struct Impl;

private:
    Client(std::unique_ptr<Impl> impl, std::string url);
    std::unique_ptr<Impl> impl_;
    std::string url_;
};

}  // namespace paasrun::admin
