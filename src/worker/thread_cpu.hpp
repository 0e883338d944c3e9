// Which requests get their thread CPU time (util/thread_cpu_clock.hpp) measured, for the
// per-endpoint "CPU per request" column (serve/endpoint_stats.hpp). CLOCK_THREAD_CPUTIME_ID
// counts only this thread's time on a CPU (user + system), so time the app spent waiting (I/O,
// the GIL, a full output queue) is not in it. It is a system call, never in the vDSO: ~0.2 us
// on bare metal, but 16 us in the Firecracker VM these numbers were taken on, more than a whole
// hello-world request. So it is read on a sample of requests only (CpuSampler), bounded so the
// reads cost at most ~0.1% of a worker's time wherever it runs.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "util/thread_cpu_clock.hpp"

namespace paasrun::worker {

using paasrun::thread_cpu_ns;
using paasrun::ThreadCpuMeter;

/// Which requests get their CPU time measured: at most one per interval, the interval being
/// 1000x what the two clock reads of one measurement cost on this machine on average (timed
/// once, at the first use). Requests slower than that interval are all measured; under load the
/// measured ones are a time-systematic sample, so the per-route average stays unbiased.
/// One per worker loop thread.
class CpuSampler {
public:
    CpuSampler() noexcept {
        // Timed with the thread CPU clock itself, not wall time: a worker preempted during
        // these reads (workers start while the machine is busy) would otherwise measure the
        // preemption and sample once a second or less. The mean of 8 measurements' reads, not
        // the minimum: in a VM the read's cost varies a lot (2..20 us here) and the budget is
        // about the average.
        constexpr int kPairs = 8;
        auto t0 = thread_cpu_ns();
        for (int i = 0; i < kPairs; ++i) {
            [[maybe_unused]] volatile auto a = thread_cpu_ns();
            [[maybe_unused]] volatile auto b = thread_cpu_ns();
        }
        interval_ns_ = interval_for(thread_cpu_ns() - t0, kPairs);
    }
    /// The sampling interval for `spent_ns` spent on `pairs` measurements' clock reads:
    /// 1000x one measurement's cost, at least 1 us, at most kMaxIntervalNs (so a route
    /// requested a few times a second is always measured, whatever the calibration saw).
    static constexpr std::uint64_t kMaxIntervalNs = 50'000'000;
    [[nodiscard]] static constexpr std::uint64_t interval_for(std::int64_t spent_ns,
                                                              int pairs) noexcept {
        auto per = static_cast<std::uint64_t>(spent_ns > pairs ? spent_ns : pairs) /
                   static_cast<std::uint64_t>(pairs);
        return std::min<std::uint64_t>(per * 1000, kMaxIntervalNs);
    }
    /// True when the request that started at `now_ns` (steady clock) is to be measured.
    [[nodiscard]] bool take(std::uint64_t now_ns) noexcept {
        if (now_ns < next_ns_) return false;
        next_ns_ = now_ns + interval_ns_;
        return true;
    }
    [[nodiscard]] std::uint64_t interval_ns() const noexcept { return interval_ns_; }

private:
    std::uint64_t interval_ns_ = 0;
    std::uint64_t next_ns_ = 0;
};

}  // namespace paasrun::worker
