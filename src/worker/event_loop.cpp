#include "worker/event_loop.hpp"

#include <sched.h>

namespace paasrun::worker {

void run_event_loop(boost::asio::io_context& io, std::chrono::microseconds every,
                    const std::function<void()>& yield) {
    if (every.count() <= 0) {
        io.run();
        return;
    }
    CooperativeYield cooperative(every, yield);
    // run_one, not poll/run: under load the queue never empties, so poll() would not return
    // and there would be no point between handlers to yield at.
    while (io.run_one() > 0) cooperative.tick();
}

void CooperativeYield::tick() {
    if (every_.count() <= 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < every_) return;
    if (yield_)
        yield_();
    else
        ::sched_yield();
    last_ = std::chrono::steady_clock::now();
}

}  // namespace paasrun::worker
