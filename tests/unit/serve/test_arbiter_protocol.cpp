// The arbiter <-> worker protocol: control-pipe messages, hand-off arguments, heartbeat slot,
// and the fd/signal state a spawned worker starts with.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "serve/arbiter_handoff.hpp"
#include "serve/arbiter_spawn.hpp"
#include "serve/heartbeat.hpp"
#include "serve/listen.hpp"
#include "serve/notify_arbiter.hpp"

using namespace paasrun::worker;
using paasrun::unique_fd;

namespace {

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("protocol: READY and RECYCLE lines", "[worker][arbiter][protocol]") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    unique_fd r{p[0]}, w{p[1]};
    REQUIRE(send_ready(w.get()));
    REQUIRE(send_recycle(w.get(), "max-requests"));
    REQUIRE(send_recycle(w.get(), "Bad Reason\n"));
    REQUIRE(send_recycle(w.get(), ""));
    w.reset();
    CHECK(
        read_all(r.get()) ==
        "READY\nRECYCLE reason=max-requests\nRECYCLE reason=-ad--eason-\nRECYCLE reason=unknown\n");
}

TEST_CASE("protocol: STATUS lines carry one line of text, cut to fit",
          "[worker][arbiter][protocol]") {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    unique_fd r{p[0]}, w{p[1]};
    REQUIRE(send_status(w.get(), "ASGI lifespan startup failed: db\ndown\t!"));
    REQUIRE(send_status(w.get(), std::string(1000, 'x')));
    w.reset();
    auto text = read_all(r.get());
    auto first = text.substr(0, text.find('\n'));
    CHECK(first == "STATUS ASGI lifespan startup failed: db down !");
    auto m = parse_worker_message(first);
    CHECK(m.kind == WorkerMessage::Kind::status);
    CHECK(m.reason == "ASGI lifespan startup failed: db down !");
    auto second = text.substr(first.size() + 1);
    CHECK(second.size() <= 256);
    CHECK(second.back() == '\n');
    CHECK(second.starts_with("STATUS xxx"));
}

TEST_CASE("protocol: parse_worker_message", "[worker][arbiter][protocol]") {
    CHECK(parse_worker_message("READY").kind == WorkerMessage::Kind::ready);
    auto r = parse_worker_message("RECYCLE reason=max-rss");
    CHECK(r.kind == WorkerMessage::Kind::recycle);
    CHECK(r.reason == "max-rss");
    CHECK(parse_worker_message("RECYCLE").reason == "unknown");
    CHECK(parse_worker_message("READY ").kind == WorkerMessage::Kind::unknown);
    CHECK(parse_worker_message("RECYCLEX").kind == WorkerMessage::Kind::unknown);
    CHECK(parse_worker_message("").kind == WorkerMessage::Kind::unknown);
}

TEST_CASE("protocol: LineBuffer joins partial reads and bounds line length",
          "[worker][arbiter][protocol]") {
    LineBuffer b;
    CHECK(b.feed("REA").empty());
    CHECK(b.feed("DY\nRECY") == std::vector<std::string>{"READY"});
    CHECK(b.feed("CLE reason=x\n\n") == std::vector<std::string>{"RECYCLE reason=x", ""});
    auto flood = b.feed(std::string(1000, 'A'));
    REQUIRE(flood.size() == 3);  // 256 + 256 + 256, 232 left pending
    CHECK(flood[0].size() == 256);
}

TEST_CASE("protocol: hand-off arguments round trip", "[worker][arbiter][protocol]") {
    WorkerContext ctx;
    ctx.options.app = "app:application";
    ctx.options.bind = {"127.0.0.1:0"};
    ctx.options.workers = 2;
    ctx.options.max_requests = 10;
    ctx.index = 2;
    ctx.serial = 77;
    ctx.listen_fds = {3, 4};
    ctx.control_fd = 5;
    ctx.heartbeat_fd = 6;
    auto back = parse_handoff_args(handoff_args(ctx));
    REQUIRE(back);
    CHECK(back->options == ctx.options);
    CHECK(back->index == 2);
    CHECK(back->serial == 77);
    CHECK(back->listen_fds == std::vector<int>{3, 4});
    CHECK(back->control_fd == 5);
    CHECK(back->heartbeat_fd == 6);

    CHECK_FALSE(
        parse_handoff_args({"--index=1", "--control-fd=4", "--heartbeat-fd=5", "--listen-fds=3"}));
    CHECK_FALSE(parse_handoff_args(
        {"--index=0", "--control-fd=4", "--heartbeat-fd=5", "--listen-fds=3", "--serve-options"}));
    CHECK_FALSE(parse_handoff_args(
        {"--control-fd=4", "--heartbeat-fd=5", "--listen-fds=3", "--serve-options"}));
    CHECK_FALSE(parse_handoff_args(
        {"--index=1", "--control-fd=4", "--heartbeat-fd=5", "--listen-fds=x", "--serve-options"}));
    CHECK(parse_handoff_args(
        {"--index=1", "--control-fd=4", "--heartbeat-fd=5", "--listen-fds=", "--serve-options"}));
}

TEST_CASE("protocol: the zygote flag crosses the hand-off", "[worker][arbiter][protocol]") {
    WorkerContext ctx;
    ctx.options.app = "app:application";
    ctx.options.preload = true;
    ctx.index = 1;
    ctx.control_fd = 4;
    ctx.heartbeat_fd = 5;
    ctx.listen_fds = {3};
    auto plain = parse_handoff_args(handoff_args(ctx));
    REQUIRE(plain);
    CHECK_FALSE(plain->zygote);
    CHECK(plain->options.preload);
    ctx.zygote = true;
    auto z = parse_handoff_args(handoff_args(ctx));
    REQUIRE(z);
    CHECK(z->zygote);
    CHECK_FALSE(parse_handoff_args({"--index=1", "--control-fd=4", "--heartbeat-fd=5",
                                    "--listen-fds=3", "--zygote=yes", "--serve-options"}));
}

TEST_CASE("protocol: child_layout puts listen fds at 3.., then control, then heartbeat",
          "[worker][arbiter]") {
    WorkerContext parent;
    parent.listen_fds = {17, 9};
    parent.control_fd = 3;
    parent.heartbeat_fd = 4;
    auto c = child_layout(parent);
    CHECK(c.listen_fds == std::vector<int>{3, 4});
    CHECK(c.control_fd == 5);
    CHECK(c.heartbeat_fd == 6);
    CHECK_FALSE(c.zygote);
    parent.zygote = true;  // --preload: the zygote's hand-off says so
    CHECK(child_layout(parent).zygote);
}

TEST_CASE("protocol: a heartbeat written through one mapping is read through the other",
          "[worker][arbiter]") {
    auto slot = HeartbeatSlot::create(123);
    REQUIRE(slot);
    CHECK(slot->last_beat_ms() == 123);
    auto writer = HeartbeatWriter::attach(slot->fd());
    REQUIRE(writer);
    auto before = monotonic_ms();
    writer->beat();
    CHECK(slot->last_beat_ms() >= before);
    CHECK(slot->last_beat_ms() <= monotonic_ms());
    CHECK_FALSE(HeartbeatWriter::attach(-1));
}

TEST_CASE("spawn: the worker gets exactly its fds, default signals and the hand-off",
          "[worker][arbiter]") {
    auto listener = open_listener(*parse_bind("127.0.0.1:0"), 4);
    REQUIRE(listener);
    auto hb = HeartbeatSlot::create(monotonic_ms());
    REQUIRE(hb);
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    unique_fd r{p[0]}, w{p[1]};
    int stray = ::open("/dev/null", O_RDONLY);  // no CLOEXEC: must still not reach the worker
    REQUIRE(stray >= 0);

    // Signal state the child must not inherit.
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    REQUIRE(::sigprocmask(SIG_BLOCK, &block, &old) == 0);
    auto old_usr2 = ::signal(SIGUSR2, SIG_IGN);

    // fd 3 = listen socket, 4 = control pipe, 5 = heartbeat memfd, 6 must be closed.
    const char* script =
        "r=''; [ -S /proc/self/fd/3 ] && r=\"${r}listen \"; [ -e /proc/self/fd/5 ] && r=\"${r}hb "
        "\";"
        "[ -e /proc/self/fd/6 ] || r=\"${r}closed \";"
        "grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status && r=\"${r}unblocked \";"
        "grep -q '^SigIgn:[[:space:]]*0*$' /proc/self/status && r=\"${r}default \";"
        "echo \"$r$*\" >&4";
    WorkerCommand cmd{{"/bin/sh", "-c", script, "sh"}, ""};
    WorkerContext ctx;
    ctx.options.app = "app";
    ctx.index = 1;
    ctx.serial = 9;
    ctx.listen_fds = {listener->fd.get()};
    ctx.control_fd = w.get();
    ctx.heartbeat_fd = hb->fd();
    auto pid = spawn_worker(cmd, ctx);

    ::signal(SIGUSR2, old_usr2);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::close(stray);
    REQUIRE(pid);
    w.reset();
    int status = 0;
    REQUIRE(::waitpid(*pid, &status, 0) == *pid);
    CHECK(WIFEXITED(status));
    auto out = read_all(r.get());
    CHECK(out.starts_with("listen hb closed unblocked default "));
    CHECK(out.find("--index=1 --serial=9 --control-fd=4 --heartbeat-fd=5 --listen-fds=3 "
                   "--serve-options --app=app") != std::string::npos);
}

TEST_CASE("spawn: a worker program that cannot be run is an error from the arbiter's side",
          "[worker][arbiter]") {
    auto hb = HeartbeatSlot::create(0);
    REQUIRE(hb);
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    unique_fd r{p[0]}, w{p[1]};
    WorkerContext ctx;
    ctx.index = 1;
    ctx.control_fd = w.get();
    ctx.heartbeat_fd = hb->fd();
    bool cannot_run = false;
    auto pid = spawn_worker(WorkerCommand{{"/nonexistent/paasrun"}, ""}, ctx, &cannot_run);
    REQUIRE(!pid);
    CHECK(cannot_run);  // the arbiter halts with kExitBootError instead of respawning
    CHECK(pid.error().sys_errno == ENOENT);
    CHECK(pid.error().message == "cannot run '/nonexistent/paasrun': No such file or directory");
    errno = 0;
    CHECK((::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD));  // nothing left to reap
}
