#include "serve/arbiter_backoff.hpp"

#include <algorithm>

namespace paasrun::worker {

std::int64_t CrashBackoff::on_crash(std::int64_t uptime_ms) {
    if (uptime_ms >= kStableMs) failures_ = 0;
    ++failures_;
    if (failures_ == 1) return 0;
    // 2^(failures-2) grows past the cap long before it could overflow; stop doubling there.
    std::int64_t delay = kFirstDelayMs;
    for (int i = 2; i < failures_ && delay < kMaxDelayMs; ++i) delay *= 2;
    return std::min(delay, kMaxDelayMs);
}

}  // namespace paasrun::worker
