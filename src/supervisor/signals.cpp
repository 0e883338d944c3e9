#include "supervisor/signals.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace paasrun::supervisor {

Result<unique_fd> open_signalfd(std::span<const int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
        errno = rc;
        return sys_error("pthread_sigmask");
    }
    if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) return sys_error("signal(SIGPIPE)");
    unique_fd fd{::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)};
    if (!fd) return sys_error("signalfd");
    return fd;
}

std::vector<signalfd_siginfo> read_signals(int fd) {
    std::vector<signalfd_siginfo> out;
    signalfd_siginfo info{};
    while (true) {
        ssize_t n = ::read(fd, &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info)) {
            out.push_back(info);
            continue;
        }
        if (n == -1 && errno == EINTR) continue;
        return out;  // EAGAIN: drained
    }
}

}  // namespace paasrun::supervisor
