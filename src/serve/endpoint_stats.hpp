// Per-endpoint counters: what the dashboard's endpoint table and /metrics'
// paasrun_endpoint_* families show (docs/dashboard.md, "Per-endpoint table").
//
// Each worker keeps a fixed table of kRouteSlots routes inside its stats file
// (stats_layout.hpp): slot 0 is `other` (overflow, refused requests, paths too long for a
// key), slot 1 is `static` (files the C++ static route served), the rest are route keys
// (src/worker/route_key.hpp: `/users/:id`) in the order the worker first saw them. A slot
// is filled once and never reused, so nothing on the request path allocates after warm-up.
//
// Latencies go into a fixed log-linear histogram (4 buckets per power of two from 1 us to
// 68 s, so a quantile read from it is within ~12% of the true value): histograms of
// different workers add bucket by bucket, which is what makes p50/p99 mergeable across
// workers and across recycled workers (the arbiter's .retired sum).
//
// This header holds the shared-memory record and the pure arithmetic; the writer is
// StatsWriter (stats_writer.hpp), the readers go through read_stats_dir (stats.hpp).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::worker::endpoint_stats {

inline constexpr std::size_t kRouteSlots = 64;   // per worker, `other` and `static` included
inline constexpr std::size_t kRouteKeyMax = 96;  // bytes of a key, NUL included
inline constexpr std::uint16_t kOtherSlot = 0;
inline constexpr std::uint16_t kStaticSlot = 1;
inline constexpr std::string_view kOtherRoute = "other";
inline constexpr std::string_view kStaticRoute = "static";

// Histogram geometry: bucket 0 holds [0, 2^kMinExp) ns, then kSubBuckets buckets per power
// of two up to 2^kMaxExp ns, then one overflow bucket.
inline constexpr int kMinExp = 10;  // 1.024 us
inline constexpr int kMaxExp = 36;  // 68.7 s
inline constexpr int kSubBits = 2;
inline constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBits;
inline constexpr std::size_t kBuckets =
    static_cast<std::size_t>(kMaxExp - kMinExp) * kSubBuckets + 2;

/// The histogram bucket of a duration in nanoseconds: a count of leading zeros and a shift.
[[nodiscard]] constexpr std::size_t bucket_of(std::uint64_t ns) noexcept {
    if (ns < (std::uint64_t{1} << kMinExp)) return 0;
    int e = 63 - std::countl_zero(ns);
    if (e >= kMaxExp) return kBuckets - 1;
    auto sub = static_cast<std::size_t>((ns >> (e - kSubBits)) & (kSubBuckets - 1));
    return 1 + static_cast<std::size_t>(e - kMinExp) * kSubBuckets + sub;
}

/// The bounds of bucket `i` in nanoseconds: [lower, upper). The overflow bucket's upper
/// bound is reported as its lower one (a quantile that lands there reads as "at least").
[[nodiscard]] constexpr std::uint64_t bucket_lower_ns(std::size_t i) noexcept {
    if (i == 0) return 0;
    if (i >= kBuckets - 1) return std::uint64_t{1} << kMaxExp;
    auto e = static_cast<int>((i - 1) / kSubBuckets) + kMinExp;
    auto sub = (i - 1) % kSubBuckets;
    return (std::uint64_t{1} << e) + sub * (std::uint64_t{1} << (e - kSubBits));
}
[[nodiscard]] constexpr std::uint64_t bucket_upper_ns(std::size_t i) noexcept {
    return i >= kBuckets - 1 ? bucket_lower_ns(i) : bucket_lower_ns(i + 1);
}

using Histogram = std::array<std::uint64_t, kBuckets>;

/// The quantile q (0..1) in seconds of the durations counted in `h`, interpolated linearly
/// inside the bucket it falls in. nullopt: the histogram is empty.
[[nodiscard]] std::optional<double> quantile_seconds(const Histogram& h, double q);

/// One slot of the shared table (stats_layout.hpp). `key` is written once, before the
/// slot is published by the table's count; the counters have a single writer (the worker's
/// event loop) and are read with relaxed loads, like the rest of the stats file.
struct RouteCounters {
    char key[kRouteKeyMax];
    std::atomic<std::uint64_t> requests;
    std::atomic<std::uint64_t> by_class[5];  // 1xx..5xx
    std::atomic<std::uint64_t> latency_sum_ns;
    std::atomic<std::uint64_t> cpu_ns;        // thread CPU time of the measured requests
    std::atomic<std::uint64_t> cpu_requests;  // requests whose CPU time was measured
    std::atomic<std::uint64_t> latency[kBuckets];
};
static_assert(sizeof(RouteCounters) % 8 == 0);

/// A plain copy of one route's counters (one worker's, or a sum of several).
struct RouteTotals {
    std::string route;
    std::uint64_t requests = 0;
    std::array<std::uint64_t, 5> by_class{};
    std::uint64_t latency_sum_ns = 0;
    std::uint64_t cpu_ns = 0;
    std::uint64_t cpu_requests = 0;
    Histogram latency{};

    /// Adds `o`'s counters (same route, another worker).
    void add(const RouteTotals& o);
};

/// Copies the first `count` slots of a table (clamped to kRouteSlots); slots with an
/// unterminated key are skipped.
[[nodiscard]] std::vector<RouteTotals> copy_table(const RouteCounters* slots, std::uint32_t count);

/// Sums `from` into `into` by route name (routes new to `into` are appended).
void merge_into(std::vector<RouteTotals>& into, const std::vector<RouteTotals>& from);

}  // namespace paasrun::worker::endpoint_stats
