#include "worker/stop_signal.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <cerrno>
#include <csignal>

#include "serve/serve_options.hpp"

namespace paasrun::worker {
namespace {

enum : int { kBooting = 0, kServing = 1, kStopping = 2 };

std::atomic<int> g_state{kBooting};
std::atomic<int> g_signal{0};
int g_eventfd = -1;  // created before the handler is installed, never closed

extern "C" void on_stop_signal(int sig) {
    switch (g_state.load(std::memory_order_acquire)) {
        case kBooting:
            ::_exit(kExitOk);
        case kServing: {
            int saved = errno;
            g_signal.store(sig, std::memory_order_relaxed);
            std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(g_eventfd, &one, sizeof one);  // async-signal-safe
            errno = saved;
            return;
        }
        default:
            return;
    }
}

}  // namespace

Status install_stop_signals() {
    g_eventfd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (g_eventfd < 0) return sys_error("eventfd(stop signals)");
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGTERM, SIGINT})
        if (::sigaction(sig, &sa, nullptr) == -1) return sys_error("sigaction({})", sig);
    // A stop signal the arbiter sent before exec (blocked across it) arrives here, now.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    return {};
}

Result<std::unique_ptr<StopWatch>> StopWatch::start(boost::asio::io_context& io,
                                                    std::function<void(int)> on_stop) {
    if (g_eventfd < 0) return Error("install_stop_signals() was not called");
    int fd = ::dup(g_eventfd);
    if (fd < 0) return sys_error("dup(stop eventfd)");
    std::unique_ptr<StopWatch> w(new StopWatch(io, fd, std::move(on_stop)));
    g_state.store(kServing, std::memory_order_release);
    return w;
}

StopWatch::StopWatch(boost::asio::io_context& io, int fd, std::function<void(int)> on_stop)
    : fd_(io, fd), on_stop_(std::move(on_stop)) {
    fd_.async_read_some(boost::asio::buffer(&count_, sizeof count_),
                        [this](const boost::system::error_code& ec, std::size_t) {
                            if (ec) return;
                            // The first signal starts the stop; the watch is not re-armed, later
                            // ones are no-ops.
                            on_stop_(g_signal.load(std::memory_order_relaxed));
                        });
}

StopWatch::~StopWatch() {
    g_state.store(kStopping, std::memory_order_release);
}

}  // namespace paasrun::worker
