#include "serve/listen.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "util/log.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

Result<std::uint16_t> parse_port(std::string_view s, std::string_view whole) {
    unsigned p = 0;
    if (!parse_int(s, p) || p > 65535)
        return Error(fmt::format("--bind {}: bad port {}", log::quote(whole), log::quote(s)));
    return static_cast<std::uint16_t>(p);
}

std::optional<std::string_view> env_view(const char* name) {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string_view(v);
}

Status set_cloexec(int fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags == -1) return sys_error("fcntl({}, F_GETFD)", fd);
    if (::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == -1) return sys_error("fcntl({}, F_SETFD)", fd);
    return {};
}

Status check_listening_socket(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) == -1) return sys_error("fstat(fd {})", fd);
    if (!S_ISSOCK(st.st_mode)) return Error(fmt::format("fd {} is not a socket", fd));
    int type = 0, listening = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
        return sys_error("getsockopt(fd {}, SO_TYPE)", fd);
    if (type != SOCK_STREAM) return Error(fmt::format("fd {} is not a stream socket", fd));
    len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1)
        return sys_error("getsockopt(fd {}, SO_ACCEPTCONN)", fd);
    if (!listening) return Error(fmt::format("fd {} is not listening", fd));
    return {};
}

Result<Listener> open_unix(const BindAddress& a, int backlog) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (a.path.size() >= sizeof sa.sun_path)
        return Error(
            fmt::format("unix socket path too long ({} bytes): {}", a.path.size(), a.path));
    std::memcpy(sa.sun_path, a.path.c_str(), a.path.size() + 1);

    struct stat st {};
    if (::lstat(a.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return Error(fmt::format("{} exists and is not a socket", a.path));
        // Probe: a refused connection means a stale file left by a dead server.
        unique_fd probe{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
        if (!probe) return sys_error("socket(AF_UNIX)");
        if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0)
            return Error(fmt::format("{} is in use by another server", a.path));
        if (::unlink(a.path.c_str()) == -1 && errno != ENOENT)
            return sys_error("unlink({})", a.path);
    }
    unique_fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd) return sys_error("socket(AF_UNIX)");
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == -1)
        return sys_error("bind(unix:{})", a.path);
    if (::listen(fd.get(), backlog) == -1) return sys_error("listen(unix:{})", a.path);
    return Listener{std::move(fd), "unix:" + a.path, a.path};
}

Result<Listener> open_tcp(const BindAddress& a, int backlog, bool reuse_port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    auto port = std::to_string(a.port);
    if (int rc = ::getaddrinfo(a.host.c_str(), port.c_str(), &hints, &res); rc != 0)
        return Error(fmt::format("cannot resolve {}: {}", log::quote(a.host), ::gai_strerror(rc)));
    // Like gunicorn, bind the first address the resolver returns.
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
    unique_fd fd{::socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol)};
    if (!fd) return sys_error("socket({})", a.host);
    int one = 1;
    // SO_REUSEADDR: a restarted server can bind while old connections sit in TIME_WAIT.
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
        return sys_error("setsockopt(SO_REUSEADDR)");
    if (reuse_port && ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == -1)
        return sys_error("setsockopt(SO_REUSEPORT)");
    if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) == -1)
        return sys_error("bind({}:{})", a.host, a.port);
    if (::listen(fd.get(), backlog) == -1) return sys_error("listen({}:{})", a.host, a.port);
    auto name = describe_socket(fd.get());
    return Listener{std::move(fd), std::move(name), ""};
}

}  // namespace

Result<BindAddress> parse_bind(std::string_view text) {
    BindAddress a;
    if (text.starts_with("unix:")) {
        auto path = text.substr(5);
        if (path.starts_with("//")) path.remove_prefix(2);
        if (path.empty())
            return Error(fmt::format("--bind {}: empty unix socket path", log::quote(text)));
        a.kind = BindAddress::Kind::unix_path;
        a.path = std::string(path);
        return a;
    }
    if (text.starts_with("fd://")) {
        int fd = -1;
        if (!parse_int(text.substr(5), fd) || fd < 0)
            return Error(fmt::format("--bind {}: bad fd number", log::quote(text)));
        a.kind = BindAddress::Kind::fd;
        a.fd = fd;
        return a;
    }
    if (text.empty()) return Error("--bind: empty address");
    std::string_view host = text, port = "8000";
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos)
            return Error(fmt::format("--bind {}: missing ']'", log::quote(text)));
        host = text.substr(1, close - 1);
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':')
                return Error(fmt::format("--bind {}: expected ':' after ']'", log::quote(text)));
            port = rest.substr(1);
        }
        if (host.empty())
            return Error(fmt::format("--bind {}: empty IPv6 address", log::quote(text)));
    } else {
        auto colon = text.rfind(':');
        if (colon != std::string_view::npos) {
            if (text.find(':') != colon)
                return Error(fmt::format("--bind {}: IPv6 addresses need brackets: [ADDR]:PORT",
                                         log::quote(text)));
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
        }
        if (host.empty()) host = "0.0.0.0";
    }
    auto p = parse_port(port, text);
    if (!p) return p.error();
    a.host = std::string(host);
    a.port = *p;
    return a;
}

Result<int> parse_listen_fds(std::optional<std::string_view> listen_pid,
                             std::optional<std::string_view> listen_fds, int self_pid) {
    if (!listen_fds) return 0;
    if (listen_pid) {
        int pid = 0;
        if (!parse_int(*listen_pid, pid))
            return Error(fmt::format("LISTEN_PID={} is not a pid", log::quote(*listen_pid)));
        if (pid != self_pid) return 0;  // meant for another process (sd_listen_fds(3))
    }
    int n = 0;
    if (!parse_int(*listen_fds, n) || n < 0 || n > 1024)
        return Error(fmt::format("LISTEN_FDS={} is not a small count", log::quote(*listen_fds)));
    return n;
}

Result<Listener> open_listener(const BindAddress& a, int backlog, bool reuse_port) {
    switch (a.kind) {
        case BindAddress::Kind::unix_path:
            return open_unix(a, backlog);
        case BindAddress::Kind::tcp:
            return open_tcp(a, backlog, reuse_port);
        case BindAddress::Kind::fd: {
            if (auto s = check_listening_socket(a.fd); !s) return s.error();
            // Take our own copy so closing it is ours to do; the original stays untouched.
            unique_fd fd{::fcntl(a.fd, F_DUPFD_CLOEXEC, 3)};
            if (!fd) return sys_error("fcntl({}, F_DUPFD_CLOEXEC)", a.fd);
            auto name = describe_socket(fd.get());
            return Listener{std::move(fd), std::move(name), ""};
        }
    }
    return Error("unknown bind kind");
}

Result<std::vector<Listener>> inherit_listeners() {
    auto n = parse_listen_fds(env_view(process::kListenPid), env_view(process::kListenFds),
                              static_cast<int>(::getpid()));
    // Unset first: whatever happens, no child may see variables meant for us.
    ::unsetenv(process::kListenPid);
    ::unsetenv(process::kListenFds);
    ::unsetenv(process::kListenFdNames);
    if (!n) return n.error();
    std::vector<Listener> out;
    for (int fd = kListenFdsStart; fd < kListenFdsStart + *n; ++fd) {
        if (auto s = check_listening_socket(fd); !s)
            return Error("LISTEN_FDS: " + s.error().message);
        if (auto s = set_cloexec(fd); !s) return s.error();
        out.push_back(Listener{unique_fd(fd), describe_socket(fd), ""});
    }
    return out;
}

std::string describe_socket(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == -1)
        return fmt::format("fd://{}", fd);
    char host[INET6_ADDRSTRLEN] = {};
    switch (ss.ss_family) {
        case AF_INET: {
            auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
            ::inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
            return fmt::format("http://{}:{}", host, ntohs(s4->sin_port));
        }
        case AF_INET6: {
            auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
            ::inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
            return fmt::format("http://[{}]:{}", host, ntohs(s6->sin6_port));
        }
        case AF_UNIX: {
            auto* su = reinterpret_cast<sockaddr_un*>(&ss);
            return fmt::format("unix:{}", su->sun_path);
        }
        default:
            return fmt::format("fd://{}", fd);
    }
}

}  // namespace paasrun::worker
