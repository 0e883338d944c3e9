#include "supervisor/sd_notify.hpp"

#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "process/activation.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

namespace {

// Set once by take_notify_socket() before any thread starts, read-only afterwards.
std::string& notify_socket() {
    static std::string socket;
    return socket;
}

}  // namespace

Result<NotifyAddress> notify_address(std::string_view socket) {
    NotifyAddress a;
    a.addr.sun_family = AF_UNIX;
    if (socket.empty() || (socket.front() != '/' && socket.front() != '@'))
        return Error(
            fmt::format("NOTIFY_SOCKET={} is neither an absolute path nor an @abstract name",
                        log::quote(socket)));
    // A path needs its terminating NUL inside sun_path; an abstract name is length-delimited.
    std::size_t room = sizeof a.addr.sun_path - (socket.front() == '/' ? 1 : 0);
    if (socket.size() > room)
        return Error(fmt::format("NOTIFY_SOCKET={} is longer than a unix socket address ({} bytes)",
                                 log::quote(socket), room));
    std::memcpy(a.addr.sun_path, socket.data(), socket.size());
    if (socket.front() == '@') a.addr.sun_path[0] = '\0';
    a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());
    return a;
}

Status notify_send(std::string_view socket, std::string_view state) {
    auto address = notify_address(socket);
    if (!address) return address.error();
    unique_fd s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
    if (!s) return sys_error("socket(AF_UNIX, SOCK_DGRAM)");
    ssize_t n;
    do {
        n = ::sendto(s.get(), state.data(), state.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&address->addr), address->length);
    } while (n == -1 && errno == EINTR);
    if (n == -1)
        return sys_error("send {} to NOTIFY_SOCKET={}", log::quote(state), log::quote(socket));
    return {};
}

std::string take_notify_socket() {
    const char* value = std::getenv(process::kNotifySocket);
    notify_socket() = value ? value : "";
    ::unsetenv(process::kNotifySocket);
    return notify_socket();
}

bool notify_enabled() {
    return !notify_socket().empty();
}

void sd_notify(std::string_view state) {
    if (!notify_enabled()) return;
    if (auto st = notify_send(notify_socket(), state); !st)
        log::warn("supervisor", "sd_notify failed state={} error={}", log::quote(state),
                  log::quote(st.error().describe()));
}

ReadyAnnouncer::ReadyAnnouncer(std::function<bool()> ready, std::chrono::milliseconds period) {
    if (!notify_enabled()) return;
    thread_ = std::jthread([ready = std::move(ready), period](std::stop_token stop) {
        std::mutex m;
        std::condition_variable_any wake;
        std::unique_lock lock(m);
        while (!stop.stop_requested()) {
            if (ready()) {
                sd_notify(process::kReady);
                return;
            }
            wake.wait_for(lock, stop, period, [] { return false; });
        }
    });
}

}  // namespace paasrun::supervisor
