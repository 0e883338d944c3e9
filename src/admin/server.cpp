// The admin API's sockets: front_end.hpp accepts connections and reads every request head
// (strict parser, deadlines, limits, probes on their own threads); cpp-httplib 0.11 runs the
// handlers of the requests it lets through: converts httplib's requests to ApiRequest and
// back, streams deploy uploads to disk and log lines to followers. Every decision about
// status codes is in api.cpp.
#include "admin/server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "admin/api.hpp"
#include "admin/auth.hpp"
#include "admin/bind_address.hpp"
#include "admin/dashboard/dashboard.hpp"
#include "admin/front_end.hpp"
#include "admin/log_follower.hpp"
#include "util/fd_io.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::admin {

namespace fs = std::filesystem;

namespace {

// Request threads (front_end.hpp): each following log stream holds one, so they are capped
// below this.
constexpr std::size_t kThreads = 16;
constexpr std::size_t kMaxFollowers = 8;
// How often an idle log stream wakes up to notice a stopping server (and, for
// text/event-stream, to send a keep-alive comment that also detects a vanished client).
constexpr auto kFollowPoll = std::chrono::milliseconds(500);
constexpr auto kSseKeepalive = std::chrono::seconds(15);

// httplib::Server used without its accept loop: the front end hands it one request at a time
// on a stream of its own. httplib ends a streamed (chunked) response once it believes it is
// shutting down, which it reads from its listening socket being invalid: `running` marks it
// as serving (the descriptor is the front end's, never used by httplib) and `shutting_down`
// ends the streams.
class HttpServer : public httplib::Server {
public:
    void running(int listening_fd) { svr_sock_ = listening_fd; }
    void shutting_down() { svr_sock_ = INVALID_SOCKET; }
    bool serve_one(httplib::Stream& strm, bool close, bool& closed) {
        return process_request(strm, close, closed, nullptr);
    }
};

Result<unique_fd> listen_tcp(const BindAddress& bind) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* res = nullptr;
    auto port = std::to_string(bind.port);
    auto fail = [&] {
        return Error(fmt::format(
            "admin bind {}: cannot listen there (address in use, or not an address of this host)",
            format_bind_address(bind)));
    };
    if (::getaddrinfo(bind.host.c_str(), port.c_str(), &hints, &res) != 0) return fail();
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    for (auto* ai = res; ai; ai = ai->ai_next) {
        unique_fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd.valid()) continue;
        // SO_REUSEADDR only: SO_REUSEPORT would let a second paasrun bind the same admin port
        // and silently share its connections.
        int yes = 1;
        ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0 &&
            ::listen(fd.get(), SOMAXCONN) == 0)
            return fd;
    }
    return fail();
}

Result<unique_fd> listen_unix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return Error(
                fmt::format("admin bind unix:{}: the path exists and is not a socket", path));
        // A socket file left by a paasrun that died is removed; one that still answers is
        // another instance's, and stealing it would cut that instance off.
        unique_fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (probe.valid() &&
            ::connect(probe.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            return Error(
                fmt::format("admin bind unix:{}: another process is listening on it", path));
        if (::unlink(path.c_str()) == -1 && errno != ENOENT)
            return sys_error("unlink stale socket {}", path);
    }
    unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return sys_error("socket(AF_UNIX)");
    // Created 0600 (the umask applies at bind): only the owner may connect. The token is
    // still required; this keeps other local users from even trying.
    mode_t old = ::umask(077);
    int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int bind_errno = errno;
    ::umask(old);
    if (rc == -1) {
        errno = bind_errno;
        return sys_error("admin bind unix:{}", path);
    }
    if (::listen(fd.get(), SOMAXCONN) == -1) return sys_error("listen on unix:{}", path);
    return fd;
}

// The numeric address a TCP socket is bound to ("127.0.0.1:43121", "[::1]:43121").
std::string bound_tcp_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == -1) return "?";
    char host[NI_MAXHOST] = {};
    char serv[NI_MAXSERV] = {};
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
                      NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return "?";
    BindAddress a;
    a.host = host;
    a.port = std::atoi(serv);
    return format_bind_address(a);
}

ApiRequest to_api_request(const httplib::Request& req) {
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    r.query.insert(req.params.begin(), req.params.end());
    r.authorization = req.get_header_value("Authorization");
    r.content_type = req.get_header_value("Content-Type");
    r.accept = req.get_header_value("Accept");
    r.cookie = req.get_header_value("Cookie");
    r.origin = req.get_header_value("Origin");
    r.host = req.get_header_value("Host");
    r.sec_fetch_site = req.get_header_value("Sec-Fetch-Site");
    r.csrf_token = req.get_header_value("X-CSRF-Token");
    r.forwarded_proto = req.get_header_value("X-Forwarded-Proto");
    if (req.has_header("Content-Length")) {
        auto v = req.get_header_value("Content-Length");
        char* end = nullptr;
        errno = 0;
        unsigned long long n = std::strtoull(v.c_str(), &end, 10);
        // An unparsable length is treated as huge: refused with 413 rather than trusted.
        r.content_length = (errno == 0 && end && *end == '\0' && !v.empty()) ? n : ~0ull;
    }
    auto te = req.get_header_value("Transfer-Encoding");
    r.chunked = te.find("chunked") != std::string::npos;
    return r;
}

void write_response(const ApiResponse& a, httplib::Response& res) {
    res.status = a.status;
    for (const auto& [k, v] : a.headers) res.set_header(k, v);
    res.set_content(a.body, a.content_type);
}

// A refusal sent while the request's body is still unread (or half read): httplib 0.11 would
// keep the connection and parse the rest of the body as the next request, whatever
// `Connection: close` says. The body goes out through a content provider that reports
// failure once it has written everything, which is the one way to make httplib close the
// connection after a complete response.
void write_and_close(const ApiResponse& a, httplib::Response& res) {
    res.status = a.status;
    for (const auto& [k, v] : a.headers) res.set_header(k, v);
    res.set_header("Connection", "close");
    auto body = std::make_shared<std::string>(a.body);
    res.set_content_provider(
        body->size(), a.content_type,
        [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            sink.write(body->data() + offset, length);
            return false;
        });
}

bool body_pending(const httplib::Request& req) {
    if (req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) return true;
    return req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
}

}  // namespace

struct Server::Impl {
    AppControl& control;
    ServerOptions options;
    Api api;
    std::string address;
    std::string token_source;
    std::string unix_path;  // removed on stop
    HttpServer http;
    std::unique_ptr<FrontEnd> front_end;
    dashboard::Dashboard dash;  // the browser dashboard: its routes and its session cookie
    std::atomic<bool> stopped{false};

    std::mutex followers_mu;
    std::set<std::shared_ptr<LogFollower>> followers;
    std::condition_variable followers_cv;  // signalled when a follower's stream has ended

    Impl(AppControl& c, ServerOptions o, ResolvedToken token)
        : control(c),
          options(std::move(o)),
          api(c, token.token, ApiLimits{options.max_body_bytes, options.max_json_bytes}),
          token_source(std::move(token.source)),
          dash(c) {
        api.extend(dash.extension());
    }

    [[nodiscard]] fs::path uploads_dir() const { return control.state_dir() / "uploads"; }

    // Every admin log line goes through here: to options.log_sink when set (the
    // supervisor's output, hence /v1/logs), else to stderr.
    template <typename... Args>
    void log_line(log::Level level, fmt::format_string<Args...> f, Args&&... args) const {
        if (log::level() > level) return;
        auto text = fmt::format(f, std::forward<Args>(args)...);
        if (options.log_sink)
            options.log_sink(level, text);
        else
            log::write(level, "admin", text);
    }

    void install_handlers();
    [[nodiscard]] FrontEndHandlers front_end_handlers();
    [[nodiscard]] static FrontEndOptions front_end_options(const ServerOptions& o);
    void log_request(std::string_view method, std::string_view path, int status,
                     std::string_view peer) const;
    void answer(const httplib::Request& req, httplib::Response& res, std::string body);
    void answer_with_body(const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader);
    void deploy_upload(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& reader);
    void follow_logs(const LogsQuery& q, httplib::Response& res);
    void stop();
};

void Server::Impl::install_handlers() {
    // Limits are enforced per route by Api::precheck and the body readers below; this is
    // only httplib's own ceiling. Connections, deadlines and head limits are the front end's.
    http.set_payload_max_length(std::max(options.max_body_bytes, options.max_json_bytes));
    http.set_keep_alive_timeout(5);  // only what the Keep-Alive header announces (front_end.hpp)

    // Before the body is read: 404/405, token in the query, auth, Content-Length, media type.
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        auto refused = api.precheck(to_api_request(req));
        if (!refused) return httplib::Server::HandlerResponse::Unhandled;
        // The body (if any) was not read: the connection cannot carry another request.
        if (body_pending(req))
            write_and_close(*refused, res);
        else
            write_response(*refused, res);
        return httplib::Server::HandlerResponse::Handled;
    });
    // `Expect: 100-continue` clients (curl for large uploads) get the refusal before they
    // send a byte of the body.
    http.set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
            auto refused = api.precheck(to_api_request(req));
            if (!refused) return 100;
            write_and_close(*refused, res);
            return refused->status;
        });
    http.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            std::string what = "unknown exception";
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            log_line(log::Level::error, "request failed method={} path={} error={}", req.method,
                     log::quote(req.path), log::quote(what));
            write_response(error_response(500, "internal", what), res);
        });
    // Errors httplib produces itself (unparsable request line, body over its ceiling) get the
    // same JSON shape as ours; responses that already have a body are left alone.
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty() || res.content_provider_)
                return httplib::Server::HandlerResponse::Unhandled;
            if (res.status == 413)
                write_response(
                    error_response(413, "payload_too_large", "the request body is too large"), res);
            else if (res.status == 404)
                write_response(
                    error_response(404, "not_found", fmt::format("no such endpoint: {}", req.path)),
                    res);
            else
                write_response(
                    error_response(
                        res.status, res.status >= 500 ? "internal" : "bad_request",
                        fmt::format("the request could not be handled (HTTP {})", res.status)),
                    res);
            return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        log_request(req.method, req.path, res.status,
                    req.remote_addr.empty() ? "unix" : req.remote_addr);
    });

    http.Get(".*",
             [this](const httplib::Request& req, httplib::Response& res) { answer(req, res, {}); });
    http.Options(".*", [this](const httplib::Request& req, httplib::Response& res) {
        answer(req, res, {});
    });
    auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& reader) {
        answer_with_body(req, res, reader);
    };
    http.Post(".*", with_body);
    http.Put(".*", with_body);
    http.Patch(".*", with_body);
    http.Delete(".*", with_body);
}

void Server::Impl::log_request(std::string_view method, std::string_view path, int status,
                               std::string_view peer) const {
    auto level = status >= 500                                            ? log::Level::warn
                 : (method != "GET" && method != "HEAD") || status == 401 ? log::Level::info
                                                                          : log::Level::debug;
    log_line(level, "request method={} path={} status={} peer={}", method, log::quote(path), status,
             peer);
}

FrontEndOptions Server::Impl::front_end_options(const ServerOptions& o) {
    FrontEndOptions f;
    // A Content-Length above what any route takes is refused (413) before the head is passed on.
    f.limits.max_body = std::max(o.max_body_bytes, o.max_json_bytes);
    f.request_threads = kThreads;
    return f;
}

// Which requests the front end answers without a request thread: every refusal Api::precheck
// makes (before any body byte is read: clients without the token never reach httplib) and the
// health probes (on their own pool).
FrontEndHandlers Server::Impl::front_end_handlers() {
    FrontEndHandlers f;
    f.decide = [this](const ApiRequest& r, const http::Request&) {
        Verdict v;
        if (auto refused = api.precheck(r)) {
            v.kind = Verdict::Kind::respond;
            v.response = std::move(*refused);
            return v;
        }
        auto m = match_route(r.method, r.path);
        // The dashboard's pages and assets are in memory: answered here, not on a pool.
        if (m && m->route && dashboard::Dashboard::is_public_route(*m->route)) {
            v.kind = Verdict::Kind::respond;
            v.response = api.handle(r);
            return v;
        }
        v.kind =
            m && m->route && !m->route->needs_auth ? Verdict::Kind::probe : Verdict::Kind::serve;
        return v;
    };
    f.answer_probe = [this](const ApiRequest& r) { return api.handle(r); };
    f.serve = [this](httplib::Stream& strm, bool close, bool& closed) {
        return http.serve_one(strm, close, closed);
    };
    f.log_request = [this](std::string_view method, std::string_view path, int status,
                           std::string_view peer) { log_request(method, path, status, peer); };
    return f;
}

void Server::Impl::answer(const httplib::Request& req, httplib::Response& res, std::string body) {
    auto r = to_api_request(req);
    r.body = std::move(body);
    auto m = match_route(r.method, r.path);
    if (m && m->route && m->route->id == RouteId::logs) {
        auto q = Api::parse_logs_query(r);
        if (auto* lq = std::get_if<LogsQuery>(&q); lq && lq->follow) {
            if (auto refused = api.precheck(r)) return write_response(*refused, res);
            return follow_logs(*lq, res);
        }
    }
    write_response(api.handle(r), res);
}

void Server::Impl::answer_with_body(const httplib::Request& req, httplib::Response& res,
                                    const httplib::ContentReader& reader) {
    auto m = match_route(req.method, req.path);
    if (m && m->route && m->route->id == RouteId::releases_create)
        return deploy_upload(req, res, reader);
    // Without Content-Length or chunked coding there is no body (RFC 9112 6.3); httplib 0.11
    // would read until the client closes, so the reader is not called at all.
    bool has_body = req.has_header("Content-Length") ||
                    req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    std::string body;
    if (has_body) {
        auto limit = api.body_limit(m && m->route ? m->route->body : BodyKind::json);
        bool too_big = false;
        bool ok = reader([&](const char* data, std::size_t n) {
            if (body.size() + n > limit) {
                too_big = true;
                return false;
            }
            body.append(data, n);
            return true;
        });
        if (too_big)
            return write_and_close(
                error_response(413, "payload_too_large",
                               fmt::format("the body is larger than {} bytes", limit)),
                res);
        if (!ok)
            return write_response(
                error_response(400, "bad_request", "the request body could not be read"), res);
    }
    answer(req, res, std::move(body));
}

void Server::Impl::deploy_upload(const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& reader) {
    if (auto busy = api.deploy_precondition()) return write_and_close(*busy, res);
    bool has_body = req.has_header("Content-Length") ||
                    req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
    if (!has_body)
        return write_response(
            error_response(400, "bad_request",
                           "the body must be the app's source as a .tar.gz (or a slug archive)"),
            res);

    std::error_code ec;
    fs::create_directories(uploads_dir(), ec);
    std::string path = (uploads_dir() / "upload-XXXXXX").string();
    unique_fd fd(::mkostemp(path.data(), O_CLOEXEC));  // mode 0600
    if (!fd.valid()) {
        auto e = sys_error("create an upload file in {}", uploads_dir().string());
        return write_response(error_response(500, "internal", e.message), res);
    }
    struct Remove {
        std::string path;
        bool keep = false;
        ~Remove() {
            if (!keep) ::unlink(path.c_str());
        }
    } guard{path};

    const std::size_t limit = api.body_limit(BodyKind::archive);
    std::size_t total = 0;
    std::string head;
    bool too_big = false;
    bool write_failed = false;
    bool ok = reader([&](const char* data, std::size_t n) {
        total += n;
        if (total > limit) {
            too_big = true;
            return false;
        }
        if (head.size() < 512) head.append(data, std::min<std::size_t>(n, 512 - head.size()));
        if (write_all(fd.get(), std::string_view(data, n))) {
            write_failed = true;
            return false;
        }
        return true;
    });
    if (too_big)
        return write_and_close(
            error_response(
                413, "payload_too_large",
                fmt::format("the archive is larger than {} bytes (admin.max_body)", limit)),
            res);
    if (write_failed) {
        auto e = sys_error("write {}", path);
        return write_response(error_response(500, "internal", e.message), res);
    }
    if (!ok)
        return write_response(
            error_response(400, "bad_request", "the upload ended before the whole body arrived"),
            res);
    if (total == 0)
        return write_response(
            error_response(400, "bad_request",
                           "the body is empty: send the app's source as a .tar.gz"),
            res);
    if (!looks_like_archive(head))
        return write_response(error_response(400, "bad_request",
                                             "the body is neither a gzip stream nor a tar archive"),
                              res);
    if (::fsync(fd.get()) == -1) {
        auto e = sys_error("fsync {}", path);
        return write_response(error_response(500, "internal", e.message), res);
    }
    fd.reset();
    log_line(log::Level::info, "deploy archive received bytes={} file={}", total, log::quote(path));
    guard.keep = true;  // Api::deploy hands it to AppControl, or removes it on refusal
    write_response(api.deploy(path), res);
}

void Server::Impl::follow_logs(const LogsQuery& q, httplib::Response& res) {
    auto follower = std::make_shared<LogFollower>();
    {
        std::lock_guard lk(followers_mu);
        if (stopped || followers.size() >= kMaxFollowers) {
            auto r = error_response(
                503, "too_many_streams",
                fmt::format("at most {} log streams at a time; try again later", kMaxFollowers));
            r.headers.emplace_back("Retry-After", "5");
            return write_response(r, res);
        }
        followers.insert(follower);
    }
    // Subscribe first, then read the backlog: a line logged in between may show twice, but
    // none is lost.
    int sub =
        control.subscribe_logs([follower](std::string_view line) { return follower->push(line); });
    std::vector<std::string> backlog =
        q.tail > 0 ? control.log_tail(q.tail) : std::vector<std::string>{};

    const bool sse = q.sse;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // nginx: do not buffer the stream
    auto last_write =
        std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    auto pending = std::make_shared<std::vector<std::string>>(std::move(backlog));
    // Exactly "text/event-stream", without a charset (SSE is UTF-8 by definition): httplib
    // 0.11 compresses every other text/* type when the client accepts gzip or br, as every
    // browser does, and its compressor holds the events back until its buffer fills, so a
    // browser's EventSource saw nothing (tests/integration/test_dashboard.py).
    res.set_chunked_content_provider(
        sse ? "text/event-stream" : "text/plain; charset=utf-8",
        [follower, sse, last_write, pending](std::size_t, httplib::DataSink& sink) {
            auto emit = [&](std::string_view line) {
                std::string chunk = sse ? sse_event(line) : std::string(line) + "\n";
                return sink.write(chunk.data(), chunk.size());
            };
            for (const auto& l : *pending)
                if (!emit(l)) return false;
            pending->clear();
            auto batch = follower->pop(kFollowPoll);
            if (batch.dropped > 0 &&
                !emit(fmt::format("[paasrun: {} log lines dropped: the client read too slowly]",
                                  batch.dropped)))
                return false;
            for (const auto& l : batch.lines)
                if (!emit(l)) return false;
            auto now = std::chrono::steady_clock::now();
            if (!batch.lines.empty() || batch.dropped > 0) *last_write = now;
            if (batch.closed) {
                sink.done();  // the terminating chunk: the stream ends cleanly
                return true;
            }
            if (sse && now - *last_write >= kSseKeepalive) {
                // An SSE comment: ignored by clients, and a write that fails once the client
                // has gone, which ends this stream.
                *last_write = now;
                static constexpr std::string_view kKeepalive = ": keepalive\n\n";
                if (!sink.write(kKeepalive.data(), kKeepalive.size())) return false;
            }
            return true;
        },
        [this, follower, sub](bool) {
            control.unsubscribe_logs(sub);
            follower->close();
            std::lock_guard lk(followers_mu);
            followers.erase(follower);
            followers_cv.notify_all();
        });
}

void Server::Impl::stop() {
    if (stopped.exchange(true)) return;
    {
        // Close every log stream, then let each one write its last lines and the terminating
        // chunk before the listener stops: httplib abandons a chunked response mid-stream once
        // stop() has run, so a follower would see a truncated response instead of a clean end.
        std::unique_lock lk(followers_mu);
        for (const auto& f : followers) f->close();
        followers_cv.wait_for(lk, std::chrono::seconds(2), [&] { return followers.empty(); });
    }
    http.shutting_down();
    if (front_end) front_end->stop();
    dash.stop();
    if (!unix_path.empty()) ::unlink(unix_path.c_str());
}

Result<std::unique_ptr<Server>> Server::start(AppControl& control, ServerOptions options) {
    auto bind = parse_bind_address(options.bind);
    if (!bind) return std::move(bind).error();
    auto token =
        resolve_token(options.token, std::getenv("PAASRUN_ADMIN_TOKEN"), control.state_dir());
    if (!token) return std::move(token).error();
    auto impl = std::make_unique<Impl>(control, std::move(options), std::move(*token));

    // Uploads left by a paasrun killed mid-upload; nothing else uses this directory.
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(impl->uploads_dir(), ec))
        if (e.path().filename().string().starts_with("upload-")) fs::remove(e.path(), ec);

    impl->install_handlers();
    auto fd = bind->unix_socket ? listen_unix(bind->path) : listen_tcp(*bind);
    if (!fd) return std::move(fd).error();
    if (bind->unix_socket) {
        impl->unix_path = bind->path;
        impl->address = format_bind_address(*bind);
    } else {
        impl->address = bound_tcp_address(fd->get());
        if (!is_loopback_address(impl->address))
            impl->log_line(
                log::Level::warn, "admin api reachable beyond this host addr={} note={}",
                impl->address,
                log::quote(
                    "admin.bind is not a loopback address: any local process and any network peer "
                    "that can route to it can connect; every endpoint but /livez, /readyz and "
                    "/startupz requires the token; prefer 127.0.0.1 or a unix: socket"));
    }
    impl->http.running(fd->get());
    impl->front_end = std::make_unique<FrontEnd>(
        std::move(*fd), Impl::front_end_options(impl->options), impl->front_end_handlers());
    return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
    stop();
}
const std::string& Server::address() const {
    return impl_->address;
}
const std::string& Server::token_source() const {
    return impl_->token_source;
}
void Server::stop() {
    if (impl_) impl_->stop();
}

}  // namespace paasrun::admin
