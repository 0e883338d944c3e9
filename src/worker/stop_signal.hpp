// SIGTERM and SIGINT in a worker, from the first line of run_worker() to exit.
//
// Why not boost::asio::signal_set: it installs its handler when constructed and resets the
// disposition to SIG_DFL when destroyed. A worker gets SIGTERM twice at a stop of the whole
// process group (once from the group kill, once forwarded by its arbiter), and an idle worker
// drains at once: the loop ended, the signal_set was destroyed, and the second SIGTERM, landing
// during teardown (Python finalization), killed it (`signal=SIGTERM` instead of `exit=0`). Before
// the signal_set existed (booting, importing the app) the default disposition killed it too.
//
// Here one handler stays installed for the whole life of the process:
//   booting  (before watch())  a stop signal exits 0 at once: nothing was accepted yet;
//   serving  (a StopWatch lives) it is handed to the loop, which starts the graceful stop;
//   stopping (after the watch)  it is ignored: the stop is already under way.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>

#include "util/result.hpp"

namespace paasrun::worker {

/// Installs the process-wide SIGTERM/SIGINT handler (booting state). Call once, first thing.
[[nodiscard]] Status install_stop_signals();

/// While alive, stop signals are delivered to `on_stop(signal)` on `io`'s thread (the first
/// one only: later ones are ignored). Destroying it moves to the stopping state.
class StopWatch {
public:
    [[nodiscard]] static Result<std::unique_ptr<StopWatch>> start(boost::asio::io_context& io,
                                                                  std::function<void(int)> on_stop);
    ~StopWatch();
    StopWatch(const StopWatch&) = delete;
    StopWatch& operator=(const StopWatch&) = delete;

private:
    StopWatch(boost::asio::io_context& io, int fd, std::function<void(int)> on_stop);
    boost::asio::posix::stream_descriptor fd_;
    std::function<void(int)> on_stop_;
    std::uint64_t count_ = 0;
};

}  // namespace paasrun::worker
