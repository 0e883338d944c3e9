#include "worker/event_loop.hpp"

#include <sched.h>

namespace paasrun::worker {

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds every,
                    const std::function<void()>& yield) {
    if (every.count() <= 0) {
        io.run();
        return;
    }
    using Clock = std::chrono::steady_clock;
    auto last = Clock::now();
    // run_one, not poll/run: under load the queue never empties, so poll() would not return
    // and there would be no point between handlers to yield at.
    while (io.run_one() > 0) {
        auto now = Clock::now();
        if (now - last < every) continue;
        if (yield)
            yield();
        else
            ::sched_yield();
        last = Clock::now();
    }
}

}  // namespace paasrun::worker
