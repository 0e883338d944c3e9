// A small epoll WebSocket load client for bench/websocket (no dependencies: g++ -O2).
//
//   ws_client echo HOST PORT PATH CONNECTIONS SECONDS PAYLOAD_BYTES
//       CONNECTIONS connections, each sends one masked text message of PAYLOAD_BYTES and
//       waits for its echo before sending the next; prints "messages=N seconds=S errors=E
//       served=K" (K: connections that got at least one echo; the rest were never served).
//   ws_client idle HOST PORT PATH CONNECTIONS HOLD_SECONDS
//       opens CONNECTIONS WebSockets (handshake done), prints "open=N", holds them
//       HOLD_SECONDS (or until stdin closes), then closes them.
// One thread, non-blocking sockets: it costs a few µs per message, so it can drive servers
// much faster than a Python client could.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Conn {
    int fd = -1;
    bool upgraded = false;
    long echoed = 0;
    std::string in;
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int dial(const char* host, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, host, &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Blocking handshake; true when the server answered 101.
bool handshake(int fd, const char* host, int port, const char* path) {
    std::string req =
        std::string("GET ") + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_all(fd, req)) return false;
    std::string head;
    char c;
    while (head.size() < 4096) {
        ssize_t n = ::recv(fd, &c, 1, 0);
        if (n <= 0) return false;
        head.push_back(c);
        if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) break;
    }
    return head.rfind("HTTP/1.1 101", 0) == 0;
}

// A masked text frame (mask key 0: valid, and the payload bytes stay as they are).
std::string text_frame(std::size_t n) {
    std::string f;
    f.push_back(static_cast<char>(0x81));
    if (n < 126) {
        f.push_back(static_cast<char>(0x80 | n));
    } else {
        f.push_back(static_cast<char>(0x80 | 126));
        f.push_back(static_cast<char>(n >> 8));
        f.push_back(static_cast<char>(n & 0xff));
    }
    f.append(4, '\0');
    f.append(n, 'm');
    return f;
}

void raise_nofile(std::size_t want) {
    rlimit r{};
    ::getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < want + 64) {
        r.rlim_cur = std::min<rlim_t>(r.rlim_max, want + 64);
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

int echo(const char* host, int port, const char* path, int conns, double seconds,
         std::size_t payload) {
    std::vector<Conn> cs(static_cast<std::size_t>(conns));
    int ep = ::epoll_create1(0);
    const std::string msg = text_frame(payload);
    const std::size_t reply = (payload < 126 ? 2 : 4) + payload;
    for (int i = 0; i < conns; ++i) {
        auto& c = cs[static_cast<std::size_t>(i)];
        c.fd = dial(host, port);
        if (c.fd < 0 || !handshake(c.fd, host, port, path)) {
            std::fprintf(stderr, "handshake %d failed\n", i);
            return 1;
        }
    }
    for (int i = 0; i < conns; ++i) {
        auto& c = cs[static_cast<std::size_t>(i)];
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u32 = static_cast<uint32_t>(i);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e);
        if (!send_all(c.fd, msg)) return 1;
    }
    long messages = 0, errors = 0;
    double start = now_s(), end = start + seconds;
    std::vector<epoll_event> evs(256);
    char buf[65536];
    while (now_s() < end) {
        int n = ::epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
        for (int k = 0; k < n; ++k) {
            auto& c = cs[evs[static_cast<std::size_t>(k)].data.u32];
            ssize_t r = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r <= 0) {
                ++errors;
                ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                continue;
            }
            c.in.append(buf, static_cast<std::size_t>(r));
            while (c.in.size() >= reply) {
                unsigned char op = static_cast<unsigned char>(c.in[0]) & 0x0f;
                c.in.erase(0, reply);
                if (op != 0x1) {
                    ++errors;
                    continue;
                }
                ++messages;
                ++c.echoed;
                if (!send_all(c.fd, msg)) ++errors;
            }
        }
    }
    double took = now_s() - start;
    long served = 0;
    for (const auto& c : cs) served += c.echoed > 0 ? 1 : 0;
    std::printf("messages=%ld seconds=%.3f errors=%ld served=%ld\n", messages, took, errors,
                served);
    return 0;
}

int idle(const char* host, int port, const char* path, int conns, double hold) {
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(conns));
    for (int i = 0; i < conns; ++i) {
        int fd = dial(host, port);
        if (fd < 0 || !handshake(fd, host, port, path)) {
            std::fprintf(stderr, "handshake %d failed\n", i);
            break;
        }
        fds.push_back(fd);
    }
    std::printf("open=%zu\n", fds.size());
    std::fflush(stdout);
    pollfd p{0, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(hold * 1000));
    for (int fd : fds) ::close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 7) {
        std::fprintf(stderr,
                     "usage: ws_client echo|idle HOST PORT PATH CONNECTIONS SECONDS [PAYLOAD]\n");
        return 2;
    }
    std::string mode = argv[1];
    int conns = std::atoi(argv[5]);
    raise_nofile(static_cast<std::size_t>(conns));
    if (mode == "echo")
        return echo(argv[2], std::atoi(argv[3]), argv[4], conns, std::atof(argv[6]),
                    argc > 7 ? static_cast<std::size_t>(std::atoi(argv[7])) : 16);
    return idle(argv[2], std::atoi(argv[3]), argv[4], conns, std::atof(argv[6]));
}
