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

/// Runs `io` until it is stopped or out of work. With `every` > 0, calls `yield` between two
/// handlers whenever at least `every` has passed since the previous yield (or the start);
/// with 0, this is exactly io.run(). `yield` defaults to sched_yield(2); tests inject one.
void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds every,
                    const std::function<void()>& yield = {});

}  // namespace paasrun::worker
