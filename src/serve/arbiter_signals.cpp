#include "serve/arbiter_signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace paasrun::worker {
namespace {

constexpr int kHandled[] = {SIGTERM, SIGINT,  SIGQUIT, SIGHUP,  SIGTTIN,
                            SIGTTOU, SIGCHLD, SIGUSR1, SIGUSR2, SIGWINCH};

}  // namespace

Result<SignalQueue> SignalQueue::install() {
    sigset_t set, old;
    sigemptyset(&set);
    for (int s : kHandled) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, &old) == -1) return sys_error("sigprocmask");
    if (::signal(SIGPIPE, SIG_IGN) == SIG_ERR) return sys_error("signal(SIGPIPE)");
    unique_fd fd{::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)};
    if (!fd) return sys_error("signalfd");
    return SignalQueue(std::move(fd), old);
}

SignalQueue::~SignalQueue() {
    if (fd_) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

std::vector<int> SignalQueue::drain() {
    std::vector<int> out;
    signalfd_siginfo info[16];
    while (true) {
        ssize_t n = ::read(fd_.get(), info, sizeof info);
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof info[0]); ++i)
            out.push_back(static_cast<int>(info[i].ssi_signo));
    }
    return out;
}

std::string signal_name(int sig) {
    if (const char* s = ::sigabbrev_np(sig)) return s;
    return std::to_string(sig);
}

}  // namespace paasrun::worker
