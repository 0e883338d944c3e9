// The worker's event loop runner: io_context::run() with a cooperative CPU yield.
//
// Why: a busy worker never blocks in epoll (there is always another request ready), so the
// kernel switches it out only on its tick (4 ms at HZ=250, the Debian cloud kernels' setting).
// Every connection a worker holds waits while another busy task owns its CPU: another worker
// on the same core, or a load generator on the same machine. Keep-alive pins each connection
// to one worker, so those waits land in the tail: on this 2-core machine under wrk -c64 the
// hello-world p99 was 7.9 ms (two ticks). Yielding the CPU (sched_yield) between handlers once
// every `every` of loop time caps what this worker makes others wait at about that slice;
// measured there: p99 7.9 -> 4.7 ms at the same throughput (bench/run, hello). When nothing
// else is runnable the yield returns at once, so it costs one syscall per slice (~0.3 us per
// 500 us by default).
//
// Loop thread only: app threads (--threads > 1) are not affected.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace paasrun::worker {

/// The yield policy on its own, for a loop that is not run_event_loop's (the ASGI worker's
/// uvloop, which calls it after each io_context::poll()): `tick()` yields when at least
/// `every` has passed since the previous yield (or the construction); 0 never yields.
class CooperativeYield {
public:
    explicit CooperativeYield(std::chrono::microseconds every, std::function<void()> yield = {})
        : every_(every), yield_(std::move(yield)), last_(std::chrono::steady_clock::now()) {}
    void tick();

private:
    std::chrono::microseconds every_;
    std::function<void()> yield_;
    std::chrono::steady_clock::time_point last_;
};

/// Runs `io` until it is stopped or out of work. With `every` > 0, calls `yield` between two
/// handlers whenever at least `every` has passed since the previous yield (or the start);
/// with 0, this is exactly io.run(). `yield` defaults to sched_yield(2); tests inject one.
void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds every,
                    const std::function<void()>& yield = {});

}  // namespace paasrun::worker
