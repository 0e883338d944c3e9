#include "admin/client.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::admin {

namespace {

// httplib 0.11's client only dials TCP; this one dials a unix socket and lets the rest of
// the client (request writing, chunked decoding) work on it unchanged.
class UnixClient : public httplib::ClientImpl {
public:
    explicit UnixClient(std::string path)
        : httplib::ClientImpl("localhost", 80), path_(std::move(path)) {}

protected:
    bool create_and_connect_socket(Socket& socket, httplib::Error& error) override {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (path_.size() >= sizeof addr.sun_path) {
            error = httplib::Error::Connection;
            return false;
        }
        std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == -1) {
            if (fd >= 0) ::close(fd);
            error = httplib::Error::Connection;
            return false;
        }
        timeval rtv{static_cast<time_t>(read_timeout_sec_),
                    static_cast<suseconds_t>(read_timeout_usec_)};
        timeval wtv{static_cast<time_t>(write_timeout_sec_),
                    static_cast<suseconds_t>(write_timeout_usec_)};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rtv, sizeof rtv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wtv, sizeof wtv);
        socket.sock = fd;
        return true;
    }

private:
    std::string path_;
};

std::string transport_error(httplib::Error e, const std::string& url) {
    switch (e) {
        case httplib::Error::Connection:
            return fmt::format("cannot connect to {} (is `paasrun start` running there?)", url);
        case httplib::Error::Read:
            return fmt::format("reading the answer from {} failed (timed out or connection closed)",
                               url);
        case httplib::Error::Write:
            return fmt::format("sending the request to {} failed (connection closed)", url);
        case httplib::Error::SSLConnection:
            return fmt::format("TLS connection to {} failed", url);
        case httplib::Error::SSLServerVerification:
            return fmt::format("the TLS certificate of {} did not verify", url);
        default:
            return fmt::format("request to {} failed: {}", url, httplib::to_string(e));
    }
}

ClientResponse to_response(const httplib::Response& r) {
    ClientResponse out;
    out.status = r.status;
    out.body = r.body;
    out.content_type = r.get_header_value("Content-Type");
    out.location = r.get_header_value("Location");
    return out;
}

}  // namespace

Result<AdminUrl> parse_admin_url(std::string_view url) {
    auto fail = [&](std::string_view why) {
        return Error(fmt::format(
            "admin URL \"{}\": {} (expected http://HOST:PORT, https://HOST:PORT or unix:/path)",
            url, why));
    };
    AdminUrl u;
    if (url.starts_with("unix:")) {
        u.kind = AdminUrl::Kind::unix_socket;
        u.path = std::string(url.substr(5));
        if (u.path.empty() || u.path[0] != '/') return fail("the socket path must be absolute");
        return u;
    }
    std::string_view rest = url;
    int default_port = 80;
    if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.starts_with("https://")) {
        rest.remove_prefix(8);
        u.kind = AdminUrl::Kind::https;
        default_port = 443;
    } else if (rest.find("://") != std::string_view::npos) {
        return fail("unsupported scheme");
    }
    auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
        if (rest.substr(slash) != "/")
            return fail("the admin API lives at the root: leave the path out");
        rest = rest.substr(0, slash);
    }
    std::string_view host = rest;
    std::string_view port;
    if (rest.starts_with("[")) {
        auto close = rest.find(']');
        if (close == std::string_view::npos) return fail("unclosed [");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') return fail("expected :PORT after ]");
            port = rest.substr(close + 2);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty()) return fail("no host");
    u.host = std::string(host);
    u.port = default_port;
    if (!port.empty() || rest.ends_with(":")) {
        int p = 0;
        if (!parse_int(port, p) || p < 1 || p > 65535)
            return fail("the port must be a number from 1 to 65535");
        u.port = p;
    }
    return u;
}

std::string ClientResponse::describe() const {
    try {
        auto j = nlohmann::json::parse(body);
        if (j.is_object() && j.contains("error") && j.contains("message"))
            return fmt::format("HTTP {} {}: {}", status, j["error"].get<std::string>(),
                               j["message"].get<std::string>());
    } catch (const std::exception&) {
    }
    std::string b = body.substr(0, 200);
    while (!b.empty() && (b.back() == '\n' || b.back() == '\r')) b.pop_back();
    return b.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, b);
}

struct Client::Impl {
    std::unique_ptr<httplib::ClientImpl> http;
    std::string token;

    httplib::Headers headers() const {
        httplib::Headers h;
        if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
        return h;
    }
};

Result<std::unique_ptr<Client>> Client::create(std::string_view url, std::string token) {
    auto u = parse_admin_url(url);
    if (!u) return std::move(u).error();
    auto impl = std::make_unique<Impl>();
    impl->token = std::move(token);
    switch (u->kind) {
        case AdminUrl::Kind::unix_socket:
            impl->http = std::make_unique<UnixClient>(u->path);
            break;
        case AdminUrl::Kind::http:
            impl->http = std::make_unique<httplib::ClientImpl>(u->host, u->port);
            break;
        case AdminUrl::Kind::https: {
            auto tls = std::make_unique<httplib::SSLClient>(u->host, u->port);
            // httplib does not verify by default; an admin token must not go to an impostor.
            tls->enable_server_certificate_verification(true);
            for (const char* bundle :
                 {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"})
                if (::access(bundle, R_OK) == 0) {
                    tls->set_ca_cert_path(bundle);
                    break;
                }
            impl->http = std::move(tls);
            break;
        }
    }
    impl->http->set_connection_timeout(5);
    impl->http->set_read_timeout(60);
    impl->http->set_write_timeout(60);
    impl->http->set_keep_alive(true);
    return std::unique_ptr<Client>(new Client(std::move(impl), std::string(url)));
}

Client::Client(std::unique_ptr<Impl> impl, std::string url)
    : impl_(std::move(impl)), url_(std::move(url)) {}
Client::~Client() = default;

Result<ClientResponse> Client::get(const std::string& path) {
    auto r = impl_->http->Get(path.c_str(), impl_->headers());
    if (!r) return Error(transport_error(r.error(), url_));
    return to_response(*r);
}

Result<ClientResponse> Client::send_json(const std::string& method, const std::string& path,
                                         const std::string& json_body) {
    httplib::Result r{nullptr, httplib::Error::Unknown};
    auto h = impl_->headers();
    if (method == "POST")
        r = impl_->http->Post(path.c_str(), h, json_body, "application/json");
    else if (method == "PUT")
        r = impl_->http->Put(path.c_str(), h, json_body, "application/json");
    else if (method == "PATCH")
        r = impl_->http->Patch(path.c_str(), h, json_body, "application/json");
    else
        return Error(fmt::format("unsupported method {}", method));
    if (!r) return Error(transport_error(r.error(), url_));
    return to_response(*r);
}

Result<ClientResponse> Client::upload(const std::string& path, const std::filesystem::path& file,
                                      const std::string& content_type) {
    unique_fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return sys_error("open {}", file.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) == -1) return sys_error("stat {}", file.string());
    auto size = static_cast<std::size_t>(st.st_size);
    std::string read_error;
    auto provider = [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        char buf[64 * 1024];
        auto want = std::min(length, sizeof buf);
        ssize_t n = ::pread(fd.get(), buf, want, static_cast<off_t>(offset));
        if (n <= 0) {
            read_error = n == 0 ? "the file shrank while being sent" : std::strerror(errno);
            return false;
        }
        return sink.write(buf, static_cast<std::size_t>(n));
    };
    auto r =
        impl_->http->Post(path.c_str(), impl_->headers(), size, provider, content_type.c_str());
    if (!read_error.empty()) return Error(fmt::format("read {}: {}", file.string(), read_error));
    if (!r) {
        // The server may refuse (413, 401) before taking the whole body and close; httplib
        // then reports a write error. Say what most likely happened.
        if (r.error() == httplib::Error::Write)
            return Error(fmt::format(
                "{} (the server may have refused the upload: too large, or a wrong token)",
                transport_error(r.error(), url_)));
        return Error(transport_error(r.error(), url_));
    }
    return to_response(*r);
}

Result<ClientResponse> Client::stream(const std::string& path,
                                      const std::function<bool(std::string_view)>& on_data) {
    // A followed log may stay quiet for a long time: no read timeout that would cut it.
    impl_->http->set_read_timeout(24 * 3600);
    ClientResponse out;
    std::string error_body;
    auto r = impl_->http->Get(
        path.c_str(), impl_->headers(),
        [&](const httplib::Response& res) {
            out.status = res.status;
            out.content_type = res.get_header_value("Content-Type");
            return true;
        },
        [&](const char* data, std::size_t n) {
            if (out.status != 200) {
                error_body.append(data, n);
                return true;
            }
            return on_data(std::string_view(data, n));
        });
    impl_->http->set_read_timeout(60);
    if (!r && r.error() != httplib::Error::Canceled) return Error(transport_error(r.error(), url_));
    if (out.status != 200) out.body = std::move(error_body);
    return out;
}

}  // namespace paasrun::admin
