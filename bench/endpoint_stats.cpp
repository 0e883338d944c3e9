// Micro-benchmark of the per-endpoint hook a worker runs once per completed request
// (docs/dashboard.md, "Per-endpoint table"): the route key of the path, the slot lookup in
// the worker's fixed table, the counter stores into the shared stats page, and the two
// thread-CPU clock reads around the app call. Built and run by bench/endpoint_stats (plain
// g++ against build/'s libraries); one core, no sockets, no Python.
#include "serve/endpoint_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "serve/stats_writer.hpp"
#include "worker/route_key.hpp"
#include "worker/thread_cpu.hpp"

using namespace paasrun::worker;
using Clock = std::chrono::steady_clock;

namespace {

volatile std::int64_t sink;

template <typename Fn>
double ns_per(int rounds, Fn&& fn) {
    for (int i = 0; i < rounds / 10; ++i) fn();  // warm-up: slots taken, caches warm
    auto t0 = Clock::now();
    for (int i = 0; i < rounds; ++i) fn();
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / rounds;
}

}  // namespace

int main() {
    auto dir =
        std::filesystem::temp_directory_path() / ("endpoint-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto w = StatsWriter::create(dir, ::getpid(), 1);
    if (!w) {
        std::fprintf(stderr, "stats file: %s\n", w.error().describe().c_str());
        return 1;
    }
    const std::vector<std::string> paths = {
        "/", "/users/12345", "/api/v1/orders/550e8400-e29b-41d4-a716-446655440000/items", "/about",
        "/static-ish/page"};
    constexpr int kRounds = 2'000'000;
    std::size_t k = 0;
    auto key_only = ns_per(kRounds, [&] {
        char key[endpoint_stats::kRouteKeyMax];
        sink = static_cast<std::int64_t>(route_key(paths[k++ % paths.size()], key, sizeof key - 1));
    });
    auto hook = ns_per(kRounds, [&] {
        char key[endpoint_stats::kRouteKeyMax];
        const auto& p = paths[k++ % paths.size()];
        auto n = route_key(p, key, sizeof key - 1);
        auto slot = n ? w->route_slot({key, n}) : endpoint_stats::kOtherSlot;
        w->request_finished(200, 150'000 + k % 1000, false, slot, 20'000);
    });
    auto old_only = ns_per(kRounds, [&] { w->request_finished(200, 150'000 + k++ % 1000, false); });
    auto clock2 = ns_per(kRounds, [&] { sink = thread_cpu_ns() + thread_cpu_ns(); });
    CpuSampler sampler;
    auto interval = static_cast<double>(std::max<std::uint64_t>(sampler.interval_ns(), 1));
    std::printf("route key of a path                       %9.1f ns\n", key_only);
    std::printf(
        "request_finished, worker counters only    %9.1f ns  (before: the existing stats)\n",
        old_only);
    std::printf("route key + slot + endpoint counters       %9.1f ns\n", hook);
    std::printf("added per request (hook - before)         %9.1f ns\n", hook - old_only);
    std::printf("two CLOCK_THREAD_CPUTIME_ID reads          %9.1f ns  (per measured request)\n",
                clock2);
    std::printf(
        "CPU sampling interval                     %9.3f ms  (<= %.0f measured requests/s per "
        "worker,\n"
        "                                                         their clock reads <= %.2f%% of "
        "its time)\n",
        interval / 1e6, 1e9 / interval, 100.0 * clock2 / interval);
    std::filesystem::remove_all(dir);
}
