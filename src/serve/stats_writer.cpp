#include "serve/stats_writer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
    // The two fixed endpoint slots (endpoint_stats.hpp) exist from the start.
    std::memcpy(m.routes[endpoint_stats::kOtherSlot].key, endpoint_stats::kOtherRoute.data(),
                endpoint_stats::kOtherRoute.size());
    std::memcpy(m.routes[endpoint_stats::kStaticSlot].key, endpoint_stats::kStaticRoute.data(),
                endpoint_stats::kStaticRoute.size());
    m.route_count.store(2, kRelaxed);
}

// FNV-1a: a few cycles per byte, good enough spread for 64 keys in 128 buckets.
std::uint32_t hash_key(std::string_view key) noexcept {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : key) h = (h ^ c) * 16777619u;
    return h;
}

// The slot of `key` in a table whose first `count` slots are in use, or -1.
int find_route(const StatsLayout& m, std::string_view key) {
    auto n = std::min<std::uint32_t>(m.route_count.load(kRelaxed), endpoint_stats::kRouteSlots);
    for (std::uint32_t i = 0; i < n; ++i)
        if (std::strncmp(m.routes[i].key, key.data(), key.size()) == 0 &&
            m.routes[i].key[key.size()] == '\0')
            return static_cast<int>(i);
    return -1;
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

Result<StatsWriter> StatsWriter::create(const fs::path& dir, pid_t arbiter_pid, int index) {
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
    auto initial = std::make_unique<StatsLayout>();
    init_layout(*initial, 0, pid, arbiter_pid);
    initial->index = index;
    if (auto ec = write_all(fd.get(),
                            {reinterpret_cast<const char*>(initial.get()), sizeof(StatsLayout)}))
        return fail(sys_error("write stats file {}", path.string()));
    void* p = ::mmap(nullptr, sizeof(StatsLayout), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    if (p == MAP_FAILED) return fail(sys_error("map stats file {}", path.string()));
    auto* m = static_cast<StatsLayout*>(p);
    m->magic.store(stats_layout::kMagic, std::memory_order_release);
    return StatsWriter(std::move(path), m);
}

StatsWriter::StatsWriter(fs::path path, StatsLayout* map) : path_(std::move(path)), map_(map) {
    index_.fill(kEmpty);
}

StatsWriter::StatsWriter(StatsWriter&& o) noexcept
    : path_(std::move(o.path_)),
      map_(std::exchange(o.map_, nullptr)),
      index_(o.index_),
      key_len_(o.key_len_) {}

StatsWriter& StatsWriter::operator=(StatsWriter&& o) noexcept {
    if (this != &o) {
        if (map_) ::munmap(map_, sizeof(StatsLayout));
        path_ = std::move(o.path_);
        map_ = std::exchange(o.map_, nullptr);
        index_ = o.index_;
        key_len_ = o.key_len_;
    }
    return *this;
}

StatsWriter::~StatsWriter() {
    if (map_) ::munmap(map_, sizeof(StatsLayout));
}

void StatsWriter::set_ready(bool ready) noexcept {
    map_->ready.store(ready ? 1 : 0, kRelaxed);
}

void StatsWriter::set_rss(std::uint64_t bytes) noexcept {
    map_->rss_bytes.store(bytes, kRelaxed);
}

void StatsWriter::request_started() noexcept {
    map_->in_flight.store(map_->in_flight.load(kRelaxed) + 1, kRelaxed);
}

void StatsWriter::request_abandoned() noexcept {
    if (auto n = map_->in_flight.load(kRelaxed); n > 0) map_->in_flight.store(n - 1, kRelaxed);
}

std::uint16_t StatsWriter::route_slot(std::string_view key) noexcept {
    if (key.empty() || key.size() >= endpoint_stats::kRouteKeyMax)
        return endpoint_stats::kOtherSlot;
    auto h = hash_key(key);
    for (std::size_t probe = 0; probe < kIndexSize; ++probe) {
        auto& entry = index_[(h + probe) % kIndexSize];
        if (entry == kEmpty) {
            auto count = map_->route_count.load(kRelaxed);
            if (count >= endpoint_stats::kRouteSlots)
                return endpoint_stats::kOtherSlot;  // full: overflow
            auto slot = static_cast<std::uint16_t>(count);
            std::memcpy(map_->routes[slot].key, key.data(), key.size());
            map_->routes[slot].key[key.size()] = '\0';
            key_len_[slot] = static_cast<std::uint8_t>(key.size());
            entry = slot;
            map_->route_count.store(count + 1, std::memory_order_release);  // publish the key
            return slot;
        }
        if (key_len_[entry] == key.size() &&
            std::memcmp(map_->routes[entry].key, key.data(), key.size()) == 0)
            return entry;
    }
    return endpoint_stats::kOtherSlot;
}

void StatsWriter::websocket_opened() noexcept {
    if (!map_) return;
    bump(map_->websocket.open);
    bump(map_->websocket.accepted);
}

void StatsWriter::websocket_closed(std::uint16_t code) noexcept {
    if (!map_) return;
    auto& w = map_->websocket;
    if (auto n = w.open.load(kRelaxed); n > 0) w.open.store(n - 1, kRelaxed);
    bump(w.closes[websocket_stats::close_class(code)]);
}

void StatsWriter::websocket_received(std::size_t bytes) noexcept {
    if (!map_) return;
    bump(map_->websocket.messages_received);
    bump(map_->websocket.bytes_received, bytes);
}

void StatsWriter::websocket_sent(std::size_t bytes) noexcept {
    if (!map_) return;
    bump(map_->websocket.messages_sent);
    bump(map_->websocket.bytes_sent, bytes);
}

void StatsWriter::request_finished(int status, std::uint64_t duration_ns, bool was_in_flight,
                                   std::uint16_t route, std::int64_t cpu_ns) noexcept {
    if (was_in_flight) request_abandoned();
    bump(map_->requests);
    bool known_class = status >= 100 && status <= 599;
    if (known_class) bump(map_->by_class[status / 100 - 1]);
    bump(map_->latency[stats_layout::latency_bucket(duration_ns)]);
    bump(map_->latency_sum_ns, duration_ns);
    auto& r =
        map_->routes[route < endpoint_stats::kRouteSlots ? route : endpoint_stats::kOtherSlot];
    bump(r.requests);
    if (known_class) bump(r.by_class[status / 100 - 1]);
    bump(r.latency[endpoint_stats::bucket_of(duration_ns)]);
    bump(r.latency_sum_ns, duration_ns);
    if (cpu_ns >= 0) {
        bump(r.cpu_ns, static_cast<std::uint64_t>(cpu_ns));
        bump(r.cpu_requests);
    }
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
    if (auto ec =
            write_all(fd.get(), {reinterpret_cast<const char*>(sum_.get()), sizeof(StatsLayout)})) {
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

namespace {

// Adds one route's counters into the .retired table, by key; a key with no free slot left
// goes to `other`, as it does in a worker.
void fold_route(StatsLayout& m, const endpoint_stats::RouteTotals& t) {
    int slot = find_route(m, t.route);
    if (slot < 0) {
        auto count = m.route_count.load(kRelaxed);
        if (count < endpoint_stats::kRouteSlots && t.route.size() < endpoint_stats::kRouteKeyMax) {
            std::memcpy(m.routes[count].key, t.route.data(), t.route.size());
            m.routes[count].key[t.route.size()] = '\0';
            m.route_count.store(count + 1, kRelaxed);
            slot = static_cast<int>(count);
        } else {
            slot = endpoint_stats::kOtherSlot;
        }
    }
    auto& r = m.routes[slot];
    bump(r.requests, t.requests);
    for (std::size_t i = 0; i < t.by_class.size(); ++i) bump(r.by_class[i], t.by_class[i]);
    bump(r.latency_sum_ns, t.latency_sum_ns);
    bump(r.cpu_ns, t.cpu_ns);
    bump(r.cpu_requests, t.cpu_requests);
    for (std::size_t i = 0; i < t.latency.size(); ++i) bump(r.latency[i], t.latency[i]);
}

// Remembers the exit of the worker in slot `index` (replacing the previous one of that slot).
void record_exit(StatsLayout& m, int index, pid_t pid,
                 const std::optional<stats_layout::Snapshot>& s, std::string_view reason) {
    StatsLayout::SlotExit* e = nullptr;
    for (auto& x : m.exits)
        if (x.index == index) e = &x;
    for (auto& x : m.exits)
        if (!e && x.index == 0) e = &x;
    if (!e) return;  // more slots than kSlotExits: the others are not remembered
    std::memset(static_cast<void*>(e), 0, sizeof *e);
    e->index = index;
    e->pid = pid;
    e->started_unix = s ? s->started_unix : 0;
    e->exited_unix = static_cast<std::int64_t>(::time(nullptr));
    e->requests = s ? s->requests : 0;
    auto n = std::min(reason.size(), sizeof e->reason - 1);
    std::memcpy(e->reason, reason.data(), n);
}

}  // namespace

void RetiredStats::worker_exited(pid_t pid, bool replaced, int index, std::string_view reason) {
    auto file = dir_ / (std::to_string(pid) + ".stats");
    auto& m = *sum_;
    auto s = stats_layout::read_file(file);
    if (s && s->pid != pid) s.reset();
    if (s) {
        bump(m.requests, s->requests);
        for (std::size_t i = 0; i < s->by_class.size(); ++i) bump(m.by_class[i], s->by_class[i]);
        for (std::size_t i = 0; i < s->latency.size(); ++i) bump(m.latency[i], s->latency[i]);
        bump(m.latency_sum_ns, s->latency_sum_ns);
        for (const auto& t : s->routes) fold_route(m, t);
        auto& w = m.websocket;
        const auto& t = s->websocket;
        bump(w.accepted, t.accepted);
        bump(w.messages_received, t.messages_received);
        bump(w.messages_sent, t.messages_sent);
        bump(w.bytes_received, t.bytes_received);
        bump(w.bytes_sent, t.bytes_sent);
        for (std::size_t i = 0; i < t.closes.size(); ++i) bump(w.closes[i], t.closes[i]);
        m.folded_pids[m.folded_next % stats_layout::kFoldedPids] = pid;
        m.folded_next = (m.folded_next + 1) % stats_layout::kFoldedPids;
    }
    if (index > 0 && !reason.empty()) record_exit(m, index, pid, s, reason);
    if (replaced) bump(m.worker_restarts);
    if (auto st = write_file(); !st)
        log::warn("arbiter", "cannot update retired stats error={}",
                  log::quote(st.error().describe()));
    ::unlink(file.c_str());
}

}  // namespace paasrun::worker
