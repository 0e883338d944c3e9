// CPU time of the calling thread, for the per-endpoint "CPU per request" column
// (serve/endpoint_stats.hpp). CLOCK_THREAD_CPUTIME_ID counts only this thread's time on a
// CPU (user + system), so time the app spent waiting (I/O, the GIL, a full output queue)
// is not in it. It is a system call (~100 ns; not in the vDSO), so it is read only when the
// worker keeps stats, twice per app call.
#pragma once

#include <time.h>

#include <cstdint>

namespace paasrun::worker {

[[nodiscard]] inline std::int64_t thread_cpu_ns() noexcept {
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Adds the thread CPU time between its construction and destruction to `total` (which
/// starts at -1, "not measured"); does nothing when `on` is false.
class ThreadCpuMeter {
public:
    ThreadCpuMeter(std::int64_t& total, bool on) noexcept : total_(on ? &total : nullptr) {
        if (total_) start_ = thread_cpu_ns();
    }
    ~ThreadCpuMeter() {
        if (!total_) return;
        auto spent = thread_cpu_ns() - start_;
        *total_ = (*total_ < 0 ? 0 : *total_) + (spent > 0 ? spent : 0);
    }
    ThreadCpuMeter(const ThreadCpuMeter&) = delete;
    ThreadCpuMeter& operator=(const ThreadCpuMeter&) = delete;

private:
    std::int64_t* total_;
    std::int64_t start_ = 0;
};

}  // namespace paasrun::worker
