#include "serve/cpu_count.hpp"

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "util/read_file.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {

std::optional<double> parse_cpu_max(std::string_view text) {
    text = trim(text);
    auto sp = text.find(' ');
    auto quota = text.substr(0, sp);
    if (quota == "max") return std::nullopt;
    auto q = parse_int<std::uint64_t>(quota);
    // The period is optional in writes but always present when read; default 100000 us.
    std::uint64_t period = 100000;
    if (sp != std::string_view::npos) {
        auto p = parse_int<std::uint64_t>(trim(text.substr(sp + 1)));
        if (!p) return std::nullopt;
        period = *p;
    }
    if (!q || period == 0) return std::nullopt;
    return static_cast<double>(*q) / static_cast<double>(period);
}

std::optional<std::uint64_t> parse_memory_max(std::string_view text) {
    text = trim(text);
    if (text == "max") return std::nullopt;
    return parse_int<std::uint64_t>(text);
}

std::optional<std::string> parse_proc_cgroup(std::string_view text) {
    // cgroups(7): the v2 line is "0::PATH"; v1 lines have a non-zero hierarchy id.
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        if (line.starts_with("0::")) return std::string(trim(line.substr(3)));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return std::nullopt;
}

WorkerCount auto_worker_count(const CpuFacts& f) {
    int cpus = std::max(1, f.online_cpus);
    if (f.affinity_cpus > 0) cpus = std::min(cpus, f.affinity_cpus);
    if (f.cpu_limit && *f.cpu_limit > 0)
        cpus = std::min(cpus, std::max(1, static_cast<int>(std::ceil(*f.cpu_limit - 1e-9))));
    long long by_cpu = 2LL * cpus + 1;
    long long n = by_cpu;
    std::string by_mem_text = "none";
    if (f.memory_limit) {
        long long by_mem = static_cast<long long>(*f.memory_limit / kWorkerMemoryEstimate);
        by_mem_text = std::to_string(by_mem);
        n = std::min(n, by_mem);
    }
    n = std::clamp<long long>(n, 1, kMaxAutoWorkers);
    return {static_cast<int>(n),
            fmt::format("cpus={} by_cpu={} by_mem={}", cpus, by_cpu, by_mem_text)};
}

void read_cgroup_limits(const std::filesystem::path& root, std::string_view cgroup_path,
                        CpuFacts& f) {
    // Walk from the process's own cgroup up to the root: a parent's limit binds its children.
    std::filesystem::path rel = std::filesystem::path(std::string(cgroup_path)).relative_path();
    while (true) {
        auto dir = root / rel;
        if (auto t = read_file(dir / "cpu.max"))
            if (auto v = parse_cpu_max(*t); v && (!f.cpu_limit || *v < *f.cpu_limit))
                f.cpu_limit = v;
        if (auto t = read_file(dir / "memory.max"))
            if (auto v = parse_memory_max(*t); v && (!f.memory_limit || *v < *f.memory_limit))
                f.memory_limit = v;
        if (rel.empty()) break;
        rel = rel.parent_path();
    }
}

CpuFacts probe_cpu_facts() {
    CpuFacts f;
    long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    f.online_cpus = online > 0 ? static_cast<int>(online) : 1;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) f.affinity_cpus = CPU_COUNT(&set);
    if (auto text = read_file("/proc/self/cgroup"))
        if (auto path = parse_proc_cgroup(*text)) read_cgroup_limits("/sys/fs/cgroup", *path, f);
    return f;
}

}  // namespace paasrun::worker
