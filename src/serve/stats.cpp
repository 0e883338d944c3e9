// Reading stats files: read_stats_dir (stats.hpp) and read_file (stats_layout.hpp).
#include "serve/stats.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

#include "serve/stats_layout.hpp"
#include "util/strings.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {
namespace stats_layout {

std::optional<Snapshot> read_file(const std::filesystem::path& path) {
    unique_fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
    if (!fd) return std::nullopt;
    struct stat st {};
    if (::fstat(fd.get(), &st) == -1 || !S_ISREG(st.st_mode)) return std::nullopt;
    if (static_cast<std::uint64_t>(st.st_size) < sizeof(StatsLayout)) return std::nullopt;
    // A copy with pread, not a mapping: touching a mapped page that the filesystem cannot
    // back (a hole of a sparse file on a full tmpfs, or a file shrunk after fstat) raises
    // SIGBUS, and this runs in the supervisor (/readyz, /metrics) and the arbiter. pread
    // reports such a file as short or as zeros (magic 0: skipped). Every field is naturally
    // aligned in the page and in this buffer; the kernel's copy routines move aligned data
    // in units of a word or wider, so in practice each counter reads as a value the writer
    // stored, as a relaxed load from a mapping would.
    // On the heap: the layout is ~70 KiB with the endpoint table.
    std::vector<std::uint64_t> words((sizeof(StatsLayout) + 7) / 8);
    auto* buf = reinterpret_cast<unsigned char*>(words.data());
    std::size_t got = 0;
    while (got < sizeof(StatsLayout)) {
        ssize_t n =
            ::pread(fd.get(), buf + got, sizeof(StatsLayout) - got, static_cast<off_t>(got));
        if (n == -1 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;  // shrunk since fstat, or an I/O error
        got += static_cast<std::size_t>(n);
    }
    const auto& m = *reinterpret_cast<const StatsLayout*>(buf);
    std::optional<Snapshot> out;
    if (m.magic.load(std::memory_order_acquire) == kMagic && m.version == kVersion &&
        m.size == sizeof(StatsLayout)) {
        constexpr auto r = std::memory_order_relaxed;
        Snapshot s;
        s.flags = m.flags;
        s.pid = m.pid;
        s.arbiter_pid = m.arbiter_pid;
        s.started_unix = m.started_unix;
        s.ready = m.ready.load(r) != 0;
        s.in_flight = m.in_flight.load(r);
        s.requests = m.requests.load(r);
        for (std::size_t i = 0; i < s.by_class.size(); ++i) s.by_class[i] = m.by_class[i].load(r);
        for (std::size_t i = 0; i < s.latency.size(); ++i) s.latency[i] = m.latency[i].load(r);
        s.latency_sum_ns = m.latency_sum_ns.load(r);
        s.rss_bytes = m.rss_bytes.load(r);
        s.worker_restarts = m.worker_restarts.load(r);
        for (auto pid : m.folded_pids)
            if (pid > 0) s.folded_pids.push_back(pid);
        s.index = m.index;
        s.routes = endpoint_stats::copy_table(m.routes, m.route_count.load(r));
        s.websocket = websocket_stats::copy(m.websocket);
        for (const auto& e : m.exits) {
            const void* nul = std::memchr(e.reason, '\0', sizeof e.reason);
            if (e.index <= 0 || !nul) continue;
            s.exits.push_back({e.index, e.pid, e.started_unix, e.exited_unix, e.requests,
                               std::string(e.reason, static_cast<const char*>(nul) - e.reason)});
        }
        out = std::move(s);
    }
    return out;
}

WorkerStats to_worker_stats(const Snapshot& s) {
    WorkerStats w;
    w.pid = s.pid;
    w.arbiter_pid = s.arbiter_pid;
    w.retired = (s.flags & kFlagRetired) != 0;
    w.ready = s.ready;
    w.requests = s.requests;
    w.in_flight = s.in_flight;
    w.by_class = s.by_class;
    w.latency = s.latency;
    w.latency_sum_seconds = static_cast<double>(s.latency_sum_ns) / 1e9;
    w.rss_bytes = s.rss_bytes;
    w.worker_restarts = s.worker_restarts;
    w.started_unix = s.started_unix;
    w.index = s.index;
    w.routes = s.routes;
    w.exits = s.exits;
    w.websocket = s.websocket;
    return w;
}

}  // namespace stats_layout

namespace {

enum class Kind { none, worker, retired };

// "<digits>.stats" or "<digits>.retired"; anything else (temp files, dotfiles) is skipped.
Kind classify(std::string_view name) {
    auto dot = name.find('.');
    if (dot == 0 || dot == std::string_view::npos) return Kind::none;
    int pid = 0;
    auto digits = name.substr(0, dot);
    if (!parse_int(digits, pid) || pid <= 0) return Kind::none;
    auto ext = name.substr(dot);
    if (ext == ".stats") return Kind::worker;
    if (ext == ".retired") return Kind::retired;
    return Kind::none;
}

bool alive(pid_t pid) {
    return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

}  // namespace

std::vector<WorkerStats> read_stats_dir(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> workers, retired;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        auto name = it->path().filename().string();
        switch (classify(name)) {
            case Kind::worker:
                workers.push_back(it->path());
                break;
            case Kind::retired:
                retired.push_back(it->path());
                break;
            case Kind::none:
                break;
        }
    }
    // Workers' files first, then the .retired files: the arbiter rewrites .retired (listing
    // the folded pid) before it unlinks the worker's file, so in this order a worker is
    // counted exactly once, either in its own file or in its arbiter's sum.
    std::vector<stats_layout::Snapshot> snaps;
    for (const auto& p : workers)
        if (auto s = stats_layout::read_file(p); s && (s->flags & stats_layout::kFlagRetired) == 0)
            snaps.push_back(*s);
    std::size_t n_workers = snaps.size();
    for (const auto& p : retired)
        if (auto s = stats_layout::read_file(p); s && (s->flags & stats_layout::kFlagRetired) != 0)
            snaps.push_back(*s);

    std::vector<WorkerStats> out;
    for (std::size_t i = 0; i < snaps.size(); ++i) {
        const auto& s = snaps[i];
        // Left behind by a tree that was SIGKILLed (nobody alive to clean up): not live data.
        if (!alive(s.pid) && !alive(s.arbiter_pid)) continue;
        if (i < n_workers) {
            bool folded = std::any_of(
                snaps.begin() + static_cast<std::ptrdiff_t>(n_workers), snaps.end(), [&](auto& r) {
                    return r.pid == s.arbiter_pid &&
                           std::find(r.folded_pids.begin(), r.folded_pids.end(), s.pid) !=
                               r.folded_pids.end();
                });
            if (folded) continue;
        }
        out.push_back(stats_layout::to_worker_stats(s));
    }
    return out;
}

}  // namespace paasrun::worker
