// Stats files (src/serve/stats.hpp): a forked worker writes its file, this process reads it
// with read_stats_dir; the arbiter side folds exited workers into a .retired file.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "serve/stats.hpp"
#include "serve/stats_layout.hpp"
#include "serve/stats_writer.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::worker;
namespace fs = std::filesystem;

using paasrun::testing::TempDir;

namespace {

// A child process that writes a stats file like a worker would, reports "written" on a pipe
// and then waits for one byte on the other pipe before it exits. Returns its pid.
struct Child {
    pid_t pid = -1;
    int go = -1;  // parent writes a byte here to let the child exit
};

Child fork_writer(const fs::path& dir, void (*work)(StatsWriter&)) {
    int ready[2], release[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(release) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Only our two pipe ends: an inherited copy of another child's release pipe
        // would keep that child from ever seeing EOF.
        for (int fd = 3; fd < 1024; ++fd)
            if (fd != ready[1] && fd != release[0]) ::close(fd);
        auto w = StatsWriter::create(dir, ::getppid());
        if (!w) ::_exit(10);
        work(*w);
        char c = 'x';
        if (::write(ready[1], &c, 1) != 1) ::_exit(11);
        // One byte from the parent means "exit now". A byte rather than EOF: EOF would also
        // need every other copy of the write end closed, and a sibling forked later holds one
        // (under ASan the fd-closing loop above did not reliably drop it).
        ::_exit(::read(release[0], &c, 1) == 1 ? 0 : 12);
    }
    ::close(ready[1]);
    ::close(release[0]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
    return Child{pid, release[1]};
}

void finish(Child& c) {
    char go = 'x';
    REQUIRE(::write(c.go, &go, 1) == 1);
    ::close(c.go);
    int status = 0;
    REQUIRE(::waitpid(c.pid, &status, 0) == c.pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

void typical_work(StatsWriter& w) {
    w.set_ready(true);
    w.set_rss(12345678);
    for (int i = 0; i < 10; ++i) {
        w.request_started();
        w.request_finished(200, 500'000, true);  // 0.5 ms -> first bucket
    }
    w.request_started();
    w.request_finished(404, 3'000'000, true);           // 3 ms -> (2.5 ms, 5 ms]
    w.request_finished(400, 20'000'000'000ULL, false);  // refused, 20 s -> +Inf
    w.request_started();                                // still running
    w.request_started();
    w.request_abandoned();  // client went away
}

const WorkerStats* find_pid(const std::vector<WorkerStats>& v, pid_t pid) {
    auto it = std::find_if(v.begin(), v.end(), [&](auto& s) { return s.pid == pid; });
    return it == v.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("stats: latency buckets follow Prometheus `le`", "[worker][stats]") {
    using stats_layout::latency_bucket;
    CHECK(latency_bucket(0) == 0);
    CHECK(latency_bucket(1'000'000) == 0);  // exactly 1 ms is <= 0.001
    CHECK(latency_bucket(1'000'001) == 1);
    CHECK(latency_bucket(2'500'000) == 1);
    CHECK(latency_bucket(9'999'999'999ULL) == kLatencyBounds.size() - 1);
    CHECK(latency_bucket(10'000'000'000ULL) == kLatencyBounds.size() - 1);
    CHECK(latency_bucket(10'000'000'001ULL) == kLatencyBounds.size());
}

TEST_CASE("stats: a forked worker's counters are read live by read_stats_dir", "[worker][stats]") {
    TempDir dir;
    auto child = fork_writer(dir.path, typical_work);
    auto all = read_stats_dir(dir.path);
    const auto* s = find_pid(all, child.pid);
    REQUIRE(s);
    CHECK(all.size() == 1);
    CHECK(s->arbiter_pid == ::getpid());
    CHECK_FALSE(s->retired);
    CHECK(s->ready);
    CHECK(s->requests == 12);
    CHECK(s->in_flight == 1);
    CHECK(s->by_class == std::array<std::uint64_t, 5>{0, 10, 0, 2, 0});
    CHECK(s->latency[0] == 10);
    CHECK(s->latency[2] == 1);
    CHECK(s->latency.back() == 1);
    std::uint64_t total = 0;
    for (auto n : s->latency) total += n;
    CHECK(total == s->requests);
    CHECK(s->latency_sum_seconds == Approx(10 * 0.0005 + 0.003 + 20.0));
    CHECK(s->rss_bytes == 12345678);
    CHECK(s->started_unix > 1'600'000'000);
    finish(child);
}

TEST_CASE("stats: the arbiter folds a reaped worker into .retired and removes its file",
          "[worker][stats]") {
    TempDir dir;
    auto retired = RetiredStats::create(dir.path / "sub");  // the directory is created
    REQUIRE(retired);
    auto sub = dir.path / "sub";
    CHECK(fs::exists(retired->path()));
    CHECK(retired->path().filename() == std::to_string(::getpid()) + ".retired");

    auto a = fork_writer(sub, typical_work);
    auto b = fork_writer(sub, [](StatsWriter& w) {
        w.request_started();
        w.request_finished(503, 100'000'000, true);
    });
    CHECK(read_stats_dir(sub).size() == 3);  // two workers + the (empty) sum

    finish(a);
    retired->worker_exited(a.pid, true);
    CHECK_FALSE(fs::exists(sub / (std::to_string(a.pid) + ".stats")));
    auto all = read_stats_dir(sub);
    REQUIRE(all.size() == 2);
    const auto* sum = find_pid(all, ::getpid());
    REQUIRE(sum);
    CHECK(sum->retired);
    CHECK(sum->requests == 12);
    CHECK(sum->in_flight == 0);  // a gauge: an exited worker has nothing in flight
    CHECK(sum->worker_restarts == 1);
    CHECK(sum->by_class[3] == 2);

    finish(b);
    retired->worker_exited(b.pid, false);  // stopped, not replaced
    all = read_stats_dir(sub);
    REQUIRE(all.size() == 1);
    CHECK(all[0].requests == 13);
    CHECK(all[0].by_class[4] == 1);
    CHECK(all[0].worker_restarts == 1);

    auto path = retired->path();
    { auto gone = std::move(*retired); }  // the arbiter exits: its file goes with it
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("stats: a worker file already folded is not counted twice", "[worker][stats]") {
    TempDir dir;
    auto retired = RetiredStats::create(dir.path);
    REQUIRE(retired);
    auto a = fork_writer(dir.path, typical_work);
    finish(a);
    // Simulate a reader racing the arbiter: the sum is rewritten, the file not yet removed.
    auto file = dir.path / (std::to_string(a.pid) + ".stats");
    auto keep = dir.path / "keep";
    fs::copy_file(file, keep);
    retired->worker_exited(a.pid, true);
    fs::rename(keep, file);
    auto all = read_stats_dir(dir.path);
    REQUIRE(all.size() == 1);
    CHECK(all[0].retired);
    CHECK(all[0].requests == 12);
}

TEST_CASE("stats: short, foreign, stale and misnamed files are skipped", "[worker][stats]") {
    TempDir dir;
    CHECK(read_stats_dir(dir.path / "missing").empty());
    auto me = std::to_string(::getpid());
    {
        std::ofstream(dir.path / (me + ".stats")) << "short";
        std::ofstream f(dir.path / "1.stats", std::ios::binary);  // right size, wrong magic
        f << std::string(sizeof(stats_layout::StatsLayout), 'x');
    }
    fs::create_directory(dir.path / "2.stats");  // not a regular file
    // A writer's file copied under other names: only "<pid>.stats" counts.
    auto w = StatsWriter::create(dir.path, ::getpid());
    REQUIRE(w);
    fs::copy_file(w->path(), dir.path / ".hidden.stats");
    fs::copy_file(w->path(), dir.path / "12x.stats");
    fs::copy_file(w->path(), dir.path / "notes.txt");
    auto own = read_stats_dir(dir.path);
    REQUIRE(own.size() == 1);  // this process's own file (it overwrote the short one)
    CHECK(own[0].pid == ::getpid());

    // A file left by a process tree that died without cleaning up: pid and arbiter gone.
    pid_t dead = ::fork();
    REQUIRE(dead >= 0);
    if (dead == 0) {
        auto stale = StatsWriter::create(dir.path, ::getpid());
        ::_exit(stale ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(dead, &status, 0) == dead);
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(fs::exists(dir.path / (std::to_string(dead) + ".stats")));
    CHECK(read_stats_dir(dir.path).size() == 1);
}

TEST_CASE("stats: WebSocket counters are read live and folded into .retired without the gauge",
          "[worker][stats][websocket]") {
    TempDir dir;
    auto retired = RetiredStats::create(dir.path);
    REQUIRE(retired);
    auto a = fork_writer(dir.path, [](StatsWriter& w) {
        for (int i = 0; i < 3; ++i) w.websocket_opened();
        w.websocket_received(10);
        w.websocket_received(5);
        w.websocket_sent(7);
        w.websocket_closed(1000);
        w.websocket_closed(4001);  // other
    });
    auto files = read_stats_dir(dir.path);  // find_pid points into it
    auto live = find_pid(files, a.pid);
    REQUIRE(live);
    const auto& ws = live->websocket;
    CHECK(ws.open == 1);
    CHECK(ws.accepted == 3);
    CHECK(ws.messages_received == 2);
    CHECK(ws.bytes_received == 15);
    CHECK(ws.messages_sent == 1);
    CHECK(ws.bytes_sent == 7);
    CHECK(ws.closes[websocket_stats::close_class(1000)] == 1);
    CHECK(ws.closes.back() == 1);
    CHECK(websocket_stats::close_class(1006) == 2);
    CHECK(websocket_stats::kCloseLabels[websocket_stats::close_class(1011)] == "1011");

    finish(a);
    retired->worker_exited(a.pid, false);
    auto all = read_stats_dir(dir.path);
    REQUIRE(all.size() == 1);
    CHECK(all[0].websocket.open == 0);  // a gauge: an exited worker holds nothing open
    CHECK(all[0].websocket.accepted == 3);
    CHECK(all[0].websocket.bytes_received == 15);
    CHECK(all[0].websocket.closes[0] == 1);
}
