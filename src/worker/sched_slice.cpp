#include "worker/sched_slice.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace paasrun::worker {
namespace {

// struct sched_attr from <linux/sched/types.h>, which cannot be included next to glibc's
// <sched.h> (both define struct sched_param). Layout per sched_setattr(2), size 56 (VER1).
struct SchedAttr {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
    std::uint32_t sched_util_min;
    std::uint32_t sched_util_max;
};

Result<SchedAttr> get_attr() {
    SchedAttr a{};
    if (::syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) return sys_error("sched_getattr");
    return a;
}

}  // namespace

Status request_sched_slice(std::chrono::microseconds slice) {
    if (slice.count() <= 0) return {};
    slice = std::clamp(slice, kMinSchedSlice, kMaxSchedSlice);
    auto attr = get_attr();
    if (!attr) return std::move(attr).error();
    if (attr->sched_policy != SCHED_OTHER && attr->sched_policy != SCHED_BATCH)
        return Error("not a SCHED_OTHER/SCHED_BATCH thread: left as it is");
    SchedAttr a = *attr;
    a.size = sizeof a;
    a.sched_flags = 0;  // keeps policy and nice as read; no utilization clamps
    a.sched_runtime = static_cast<std::uint64_t>(slice.count()) * 1000;
    a.sched_deadline = a.sched_period = 0;
    if (::syscall(SYS_sched_setattr, 0, &a, 0) != 0)
        return sys_error("sched_setattr(sched_runtime={}us)", slice.count());
    return {};
}

Result<std::chrono::microseconds> current_sched_slice() {
    auto attr = get_attr();
    if (!attr) return std::move(attr).error();
    return std::chrono::microseconds(attr->sched_runtime / 1000);
}

}  // namespace paasrun::worker
