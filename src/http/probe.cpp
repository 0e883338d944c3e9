#include "http/probe.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>

#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::http {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout.
Result<bool> wait_for(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return sys_error("poll");
    }
}

struct AddrInfoDeleter {
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

Result<unique_fd> connect_to(const ProbeUrl& url, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    auto port = std::to_string(url.port);
    if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &raw); rc != 0)
        return Error(fmt::format("cannot resolve {}: {}", url.host, ::gai_strerror(rc)));
    std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
    std::string last = "no address";
    for (addrinfo* a = list.get(); a; a = a->ai_next) {
        unique_fd fd(
            ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) return sys_error("socket");
        if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) return fd;
        if (errno != EINPROGRESS) {
            last = sys_error("connect to {}:{}", url.host, url.port).message;
            continue;
        }
        auto ready = wait_for(fd.get(), POLLOUT, deadline);
        if (!ready) return std::move(ready).error();
        if (!*ready) return Error(fmt::format("connect to {}:{}: timed out", url.host, url.port));
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) return fd;
        errno = err;
        last = sys_error("connect to {}:{}", url.host, url.port).message;
    }
    return Error(last);
}

}  // namespace

Result<ProbeUrl> parse_probe_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.substr(0, scheme.size()) != scheme)
        return Error(fmt::format("\"{}\": only http:// URLs can be probed", url));
    std::string_view rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    ProbeUrl out;
    out.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos)
        return Error(fmt::format("\"{}\": user info is not supported", url));
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            return Error(fmt::format("\"{}\": unterminated [IPv6] host", url));
        out.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return Error(fmt::format("\"{}\": junk after the [IPv6] host", url));
            port_text = after.substr(1);
            if (port_text.empty()) return Error(fmt::format("\"{}\": empty port", url));
        }
    } else {
        auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return Error(fmt::format("\"{}\": empty port", url));
        }
    }
    if (out.host.empty()) return Error(fmt::format("\"{}\": no host", url));
    if (!port_text.empty()) {
        int port = 0;
        if (!parse_int(port_text, port) || port < 1 || port > 65535)
            return Error(fmt::format("\"{}\": port \"{}\" is not 1-65535", url, port_text));
        out.port = port;
    }
    for (char c : out.path)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
            return Error(fmt::format("\"{}\": the path holds a space or control character", url));
    return out;
}

Result<int> parse_status_line(std::string_view line) {
    // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ')
        return Error(fmt::format("not an HTTP/1.x status line: \"{}\"", line.substr(0, 40)));
    int code = 0;
    auto digits = line.substr(9, 3);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + 3, code);
    if (ec != std::errc{} || end != digits.data() + 3 || code < 100 ||
        (line.size() > 12 && line[12] != ' '))
        return Error(fmt::format("bad status code in \"{}\"", line.substr(0, 40)));
    return code;
}

Result<int> probe(const ProbeUrl& url, std::chrono::milliseconds deadline_in) {
    auto deadline = Clock::now() + deadline_in;
    auto fd = connect_to(url, deadline);
    if (!fd) return std::move(fd).error();
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    std::string request = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: paasrun-healthcheck\r\nAccept: */*\r\n"
        "Connection: close\r\n\r\n",
        url.path, host, url.port);
    std::size_t sent = 0;
    while (sent < request.size()) {
        ssize_t n = ::send(fd->get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return sys_error("send to {}:{}", url.host, url.port);
        auto ready = wait_for(fd->get(), POLLOUT, deadline);
        if (!ready) return std::move(ready).error();
        if (!*ready)
            return Error(fmt::format("{}:{}: timed out sending the request", url.host, url.port));
    }
    std::string head;
    char buf[1024];
    while (head.find("\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
        if (n > 0) {
            head.append(buf, static_cast<std::size_t>(n));
            if (head.size() > 8192) return Error("the status line is longer than 8 KiB");
            continue;
        }
        if (n == 0) {
            if (head.empty())
                return Error(fmt::format("{}:{} closed the connection without answering", url.host,
                                         url.port));
            break;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return sys_error("recv from {}:{}", url.host, url.port);
        auto ready = wait_for(fd->get(), POLLIN, deadline);
        if (!ready) return std::move(ready).error();
        if (!*ready)
            return Error(fmt::format("{}:{}: no answer within the deadline", url.host, url.port));
    }
    return parse_status_line(head.substr(0, head.find("\r\n")));
}

}  // namespace paasrun::http
