// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID: user + system time on a CPU; time
// spent waiting, for I/O, the GIL or a full output queue, is not in it), and a meter that adds
// a span of it to a total. Shared by the worker's per-endpoint "CPU per request" column
// (worker/thread_cpu.hpp samples which requests are measured: the clock is a system call,
// never in the vDSO) and the ASGI runtime, which charges each request the steps of its own
// task (asgi/exchange.hpp).
#pragma once

#include <time.h>

#include <cstdint>

namespace paasrun {

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

}  // namespace paasrun
