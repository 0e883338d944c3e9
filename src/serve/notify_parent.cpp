#include "serve/notify_parent.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "process/activation.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {

Result<int> parse_notify_fd(std::string_view text) {
    int fd = -1;
    if (!parse_int(text, fd) || fd < 0)
        return Error(fmt::format("PAASRUN_NOTIFY_FD={} is not an fd number", log::quote(text)));
    return fd;
}

Result<ParentNotifier> ParentNotifier::from_environment() {
    ParentNotifier n;
    if (const char* s = std::getenv(process::kNotifySocket); s && *s) n.socket_path_ = s;
    std::optional<std::string> fd_text;
    if (const char* s = std::getenv(process::kNotifyFd); s && *s) fd_text = s;
    ::unsetenv(process::kNotifySocket);
    ::unsetenv(process::kNotifyFd);
    if (fd_text) {
        auto fd = parse_notify_fd(*fd_text);
        if (!fd) return fd.error();
        if (::fcntl(*fd, F_SETFD, FD_CLOEXEC) == -1) return sys_error("PAASRUN_NOTIFY_FD={}", *fd);
        n.fd_.reset(*fd);
    }
    return n;
}

void ParentNotifier::send(std::string_view state) {
    if (fd_) {
        std::string line = std::string(state) + "\n";
        ssize_t w;
        do {
            w = ::write(fd_.get(), line.data(), line.size());
        } while (w == -1 && errno == EINTR);
        if (w != static_cast<ssize_t>(line.size()))
            log::warn("arbiter", "notify fd write failed fd={} error={}", fd_.get(),
                      log::quote(std::strerror(errno)));
    }
    if (socket_path_.empty()) return;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof sa.sun_path) {
        log::warn("arbiter", "NOTIFY_SOCKET path too long path={}", log::quote(socket_path_));
        return;
    }
    std::memcpy(sa.sun_path, socket_path_.data(), socket_path_.size());
    // sd_notify(3): a leading '@' names a socket in the abstract namespace.
    if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());
    unique_fd s{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (!s || ::sendto(s.get(), state.data(), state.size(), MSG_NOSIGNAL,
                       reinterpret_cast<sockaddr*>(&sa), len) == -1)
        log::warn("arbiter", "NOTIFY_SOCKET send failed path={} error={}", log::quote(socket_path_),
                  log::quote(std::strerror(errno)));
}

}  // namespace paasrun::worker
