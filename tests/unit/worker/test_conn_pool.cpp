// AppPool: jobs run on the pool's threads, in FIFO order per thread, and stop() drains.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "worker/app_pool.hpp"

using paasrun::worker::AppJob;
using paasrun::worker::AppPool;

namespace {
struct CountJob final : AppJob {
    std::atomic<int>* counter;
    std::thread::id ran_on;
    void run_app_job() override {
        ran_on = std::this_thread::get_id();
        counter->fetch_add(1);
    }
};
}  // namespace

TEST_CASE("conn pool: every posted job runs on a pool thread before stop returns",
          "[worker][pool]") {
    std::atomic<int> counter{0};
    std::atomic<int> started{0};
    std::vector<CountJob> jobs(100);
    {
        AppPool pool(3, [&] { started++; }, {});
        for (auto& j : jobs) {
            j.counter = &counter;
            REQUIRE(pool.post(j));
        }
        pool.stop();
        CHECK_FALSE(pool.post(jobs[0]));  // stopped pools refuse work
    }
    CHECK(counter == 100);
    CHECK(started == 3);
    for (auto& j : jobs) CHECK(j.ran_on != std::this_thread::get_id());
}
