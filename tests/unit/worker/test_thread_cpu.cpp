// The thread CPU clock and the sampler that picks which requests get their CPU time
// measured (src/worker/thread_cpu.hpp).
#include <catch2/catch.hpp>

#include "worker/thread_cpu.hpp"

using namespace paasrun::worker;

TEST_CASE("the CPU sampler measures at most one request per interval") {
    CpuSampler s;
    // 1000x the cost of two clock reads: never 0, and well under a second on any machine.
    CHECK(s.interval_ns() > 0);
    CHECK(s.interval_ns() < 1'000'000'000);
    CHECK(s.take(1'000'000'000));
    CHECK_FALSE(s.take(1'000'000'000 + s.interval_ns() - 1));
    CHECK(s.take(1'000'000'000 + s.interval_ns()));
    CHECK_FALSE(s.take(1'000'000'000 + s.interval_ns()));
}

TEST_CASE("the sampling interval is 1000x a measurement's cost, capped at 50 ms") {
    CHECK(CpuSampler::interval_for(8 * 2'000, 8) == 2'000'000);  // 2 us per pair: every 2 ms
    CHECK(CpuSampler::interval_for(0, 8) == 1'000);              // a clock that did not move
    // A calibration that saw 10 ms (the worker preempted meanwhile) must not make the sampler
    // measure one request in 1.25 s: it is capped.
    CHECK(CpuSampler::interval_for(10'000'000, 8) == CpuSampler::kMaxIntervalNs);
    CpuSampler s;
    CHECK(s.interval_ns() <= CpuSampler::kMaxIntervalNs);
}

TEST_CASE("the meter adds the thread's CPU time to a total that starts unmeasured") {
    std::int64_t total = -1;
    { ThreadCpuMeter off(total, false); }
    CHECK(total == -1);
    {
        ThreadCpuMeter on(total, true);
        volatile std::uint64_t spin = 0;
        for (int i = 0; i < 5'000'000; ++i) spin = spin + static_cast<std::uint64_t>(i);
    }
    CHECK(total > 0);
    auto first = total;
    { ThreadCpuMeter again(total, true); }
    CHECK(total >= first);
}
