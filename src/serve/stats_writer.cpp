#include "serve/stats_writer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <utility>

#include "util/fd_io.hpp"
#include "util/log.hpp"

namespace paasrun::worker {
namespace {

using stats_layout::bump;
using stats_layout::StatsLayout;
namespace fs = std::filesystem;

constexpr auto kRelaxed = std::memory_order_relaxed;

// Every field of a fresh layout; magic stays 0 until the caller publishes it.
void init_layout(StatsLayout& m, std::uint32_t flags, pid_t pid, pid_t arbiter_pid) {
    std::memset(static_cast<void*>(&m), 0, sizeof m);
    m.version = stats_layout::kVersion;
    m.size = sizeof(StatsLayout);
    m.flags = flags;
    m.pid = pid;
    m.arbiter_pid = arbiter_pid;
    m.started_unix = static_cast<std::int64_t>(::time(nullptr));
}

}  // namespace

std::optional<fs::path> stats_dir_from_environment() {
    const char* dir = std::getenv(kStatsDirEnv);
    if (!dir || !*dir) return std::nullopt;
    return fs::path(dir);
}

// ---- RssReader ------------------------------------------------------------------------

RssReader::RssReader() : fd_(::open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) {
    if (long ps = ::sysconf(_SC_PAGESIZE); ps > 0) page_size_ = static_cast<std::uint64_t>(ps);
}

std::uint64_t RssReader::read() const noexcept {
    if (!fd_) return 0;
    char buf[128];
    ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    // "size resident shared text lib data dt", in pages.
    char* p = buf;
    std::strtoull(p, &p, 10);
    return std::strtoull(p, nullptr, 10) * page_size_;
}

// ---- StatsWriter ----------------------------------------------------------------------

Result<StatsWriter> StatsWriter::create(const fs::path& dir, pid_t arbiter_pid) {
    pid_t pid = ::getpid();
    auto path = dir / (std::to_string(pid) + ".stats");
    // O_TRUNC: a file with our pid can only be a leftover of a dead process. Readers copy
    // files with pread (stats.cpp), so shrinking one under a reader cannot fault it.
    unique_fd fd{::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)};
    if (!fd) return sys_error("create stats file {}", path.string());
    auto fail = [&](Error e) {
        ::unlink(path.c_str());  // no half-made file for readers to list
        return e;
    };
    // Allocate the blocks before mapping: ftruncate alone makes a sparse file, and the first
    // store into a page the filesystem then cannot back (a full tmpfs or disk) is a SIGBUS
    // that kills the worker at boot. posix_fallocate turns "no space" into an error here.
    if (int e = ::posix_fallocate(fd.get(), 0, sizeof(StatsLayout)); e != 0) {
        errno = e;
        return fail(sys_error("allocate stats file {}", path.string()));
    }
    // Write every byte once through the file (magic still 0, so readers skip it): the blocks
    // are then written, not merely reserved, before anything touches them through the map.
    StatsLayout initial;
    init_layout(initial, 0, pid, arbiter_pid);
    if (auto ec = write_all(fd.get(), {reinterpret_cast<const char*>(&initial), sizeof initial}))
        return fail(sys_error("write stats file {}", path.string()));
    void* p = ::mmap(nullptr, sizeof(StatsLayout), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) return fail(sys_error("map stats file {}", path.string()));
    auto* m = static_cast<StatsLayout*>(p);
    m->magic.store(stats_layout::kMagic, std::memory_order_release);
    return StatsWriter(std::move(path), m);
}

StatsWriter::StatsWriter(StatsWriter&& o) noexcept
    : path_(std::move(o.path_)), map_(std::exchange(o.map_, nullptr)) {}

StatsWriter& StatsWriter::operator=(StatsWriter&& o) noexcept {
    if (this != &o) {
        if (map_) ::munmap(map_, sizeof(StatsLayout));
        path_ = std::move(o.path_);
        map_ = std::exchange(o.map_, nullptr);
    }
    return *this;
}

StatsWriter::~StatsWriter() {
    if (map_) ::munmap(map_, sizeof(StatsLayout));
}

void StatsWriter::set_ready(bool ready) noexcept { map_->ready.store(ready ? 1 : 0, kRelaxed); }

void StatsWriter::set_rss(std::uint64_t bytes) noexcept { map_->rss_bytes.store(bytes, kRelaxed); }

void StatsWriter::request_started() noexcept {
    map_->in_flight.store(map_->in_flight.load(kRelaxed) + 1, kRelaxed);
}

void StatsWriter::request_abandoned() noexcept {
    if (auto n = map_->in_flight.load(kRelaxed); n > 0) map_->in_flight.store(n - 1, kRelaxed);
}

void StatsWriter::request_finished(int status, std::uint64_t duration_ns, bool was_in_flight) noexcept {
    if (was_in_flight) request_abandoned();
    bump(map_->requests);
    if (status >= 100 && status <= 599) bump(map_->by_class[status / 100 - 1]);
    bump(map_->latency[stats_layout::latency_bucket(duration_ns)]);
    bump(map_->latency_sum_ns, duration_ns);
}

// ---- RetiredStats ---------------------------------------------------------------------

RetiredStats::RetiredStats(fs::path dir, fs::path path)
    : dir_(std::move(dir)), path_(std::move(path)), sum_(std::make_unique<StatsLayout>()) {
    init_layout(*sum_, stats_layout::kFlagRetired, ::getpid(), ::getpid());
    sum_->magic.store(stats_layout::kMagic, kRelaxed);
}

Result<RetiredStats> RetiredStats::create(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error(fmt::format("create stats dir {}: {}", dir.string(), ec.message()));
    RetiredStats r(dir, dir / (std::to_string(::getpid()) + ".retired"));
    if (auto st = r.write_file(); !st) return st.error();
    return r;
}

RetiredStats::RetiredStats(RetiredStats&& o) noexcept
    : dir_(std::move(o.dir_)), path_(std::exchange(o.path_, {})), sum_(std::move(o.sum_)) {}

RetiredStats& RetiredStats::operator=(RetiredStats&& o) noexcept {
    if (this != &o) {
        if (!path_.empty()) ::unlink(path_.c_str());
        dir_ = std::move(o.dir_);
        path_ = std::exchange(o.path_, {});
        sum_ = std::move(o.sum_);
    }
    return *this;
}

RetiredStats::~RetiredStats() {
    if (!path_.empty()) ::unlink(path_.c_str());
}

Status RetiredStats::write_file() const {
    // Readers must never see a half-written sum: write a temp file, then rename over.
    auto tmp = dir_ / ("." + path_.filename().string() + ".tmp");
    unique_fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)};
    if (!fd) return sys_error("create {}", tmp.string());
    if (auto ec = write_all(fd.get(), {reinterpret_cast<const char*>(sum_.get()), sizeof(StatsLayout)})) {
        auto e = sys_error("write {}", tmp.string());
        ::unlink(tmp.c_str());
        return e;
    }
    fd.reset();
    if (::rename(tmp.c_str(), path_.c_str()) == -1) {
        auto e = sys_error("rename {} to {}", tmp.string(), path_.string());
        ::unlink(tmp.c_str());
        return e;
    }
    return {};
}

void RetiredStats::worker_exited(pid_t pid, bool replaced) {
    auto file = dir_ / (std::to_string(pid) + ".stats");
    auto& m = *sum_;
    if (auto s = stats_layout::read_file(file); s && s->pid == pid) {
        bump(m.requests, s->requests);
        for (std::size_t i = 0; i < s->by_class.size(); ++i) bump(m.by_class[i], s->by_class[i]);
        for (std::size_t i = 0; i < s->latency.size(); ++i) bump(m.latency[i], s->latency[i]);
        bump(m.latency_sum_ns, s->latency_sum_ns);
        m.folded_pids[m.folded_next % stats_layout::kFoldedPids] = pid;
        m.folded_next = (m.folded_next + 1) % stats_layout::kFoldedPids;
    }
    if (replaced) bump(m.worker_restarts);
    if (auto st = write_file(); !st)
        log::warn("arbiter", "cannot update retired stats error={}", log::quote(st.error().describe()));
    ::unlink(file.c_str());
}

}  // namespace paasrun::worker
