#include "process/signal_queue.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

namespace paasrun::process {

Result<SignalQueue> SignalQueue::open(std::span<const int> signals) {
    sigset_t set, old;
    sigemptyset(&set);
    for (int s : signals) sigaddset(&set, s);
    if (int rc = ::pthread_sigmask(SIG_BLOCK, &set, &old); rc != 0) {
        errno = rc;
        return sys_error("pthread_sigmask");
    }
    if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) return sys_error("signal(SIGPIPE)");
    unique_fd fd{::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)};
    if (!fd) return sys_error("signalfd");
    return SignalQueue(std::move(fd), old);
}

SignalQueue::SignalQueue(SignalQueue&& other) noexcept
    : fd_(std::move(other.fd_)), old_mask_(other.old_mask_) {}

SignalQueue::~SignalQueue() {
    if (fd_) ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::vector<int> SignalQueue::drain() {
    std::vector<int> out;
    signalfd_siginfo info[16];
    while (true) {
        ssize_t n = ::read(fd_.get(), info, sizeof info);
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) break;  // EAGAIN: drained
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof info[0]); ++i)
            out.push_back(static_cast<int>(info[i].ssi_signo));
    }
    return out;
}

}  // namespace paasrun::process
