#include "serve/zygote.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <cerrno>

#include "serve/zygote_protocol.hpp"
#include "util/log.hpp"

namespace paasrun::worker {
namespace {

constexpr std::string_view kLog = "arbiter";
// A fork of even a large Python heap takes milliseconds; this only bounds a stuck zygote.
constexpr int kForkAnswerTimeoutMs = 10'000;

}  // namespace

Result<std::unique_ptr<Zygote>> Zygote::start(const WorkerCommand& cmd, const ServeOptions& options,
                                              const std::vector<int>& listen_fds,
                                              std::uint64_t serial, std::int64_t now_ms) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
        return sys_error("socketpair(zygote)");
    unique_fd ours{sv[0]}, theirs{sv[1]};
    if (::fcntl(ours.get(), F_SETFL, O_NONBLOCK) == -1) return sys_error("fcntl(O_NONBLOCK)");
    auto hb = HeartbeatSlot::create(now_ms);
    if (!hb) return hb.error();

    WorkerContext ctx;
    ctx.options = options;
    ctx.index = 1;  // the hand-off wants a slot; the zygote has none of its own
    ctx.serial = serial;
    ctx.zygote = true;
    ctx.listen_fds = listen_fds;
    ctx.control_fd = theirs.get();
    ctx.heartbeat_fd = hb->fd();
    auto pid = spawn_worker(cmd, ctx);
    if (!pid) return pid.error();
    return std::unique_ptr<Zygote>(
        new Zygote(*pid, serial, std::move(ours), std::move(*hb), now_ms));
}

bool Zygote::on_readable() {
    bool became_ready = false;
    while (sock_) {
        auto r = receive_zygote_message(sock_.get());
        if (!r) {
            if (r.error().sys_errno == EAGAIN) break;
            log::warn(kLog, "zygote socket error pid={} error={}", pid_,
                      log::quote(r.error().describe()));
            sock_.reset();
            break;
        }
        if (r->eof) {
            sock_.reset();
            break;
        }
        auto m = parse_zygote_message(r->text);
        if (m.kind == ZygoteMessage::Kind::ready && !ready_) {
            ready_ = became_ready = true;
        } else {
            log::warn(kLog, "unexpected zygote message pid={} message={}", pid_,
                      log::quote(r->text));
        }
    }
    return became_ready;
}

Result<pid_t> Zygote::fork_worker(int index, std::uint64_t serial, int control_fd,
                                  int heartbeat_fd) {
    if (!sock_ || !ready_) return Error("the zygote is not ready");
    if (auto st = send_zygote_message(sock_.get(), zygote_fork_message(index, serial),
                                      {control_fd, heartbeat_fd});
        !st)
        return st.error();
    const auto deadline = monotonic_ms() + kForkAnswerTimeoutMs;
    while (true) {
        auto left = deadline - monotonic_ms();
        if (left <= 0) return Error("the zygote did not answer a fork request within 10 s");
        pollfd p{sock_.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left));
        if (n == -1 && errno == EINTR) continue;
        if (n == -1) return sys_error("poll(zygote)");
        if (n == 0) continue;
        auto r = receive_zygote_message(sock_.get());
        if (!r) {
            if (r.error().sys_errno == EAGAIN) continue;
            return r.error();
        }
        if (r->eof) {
            sock_.reset();
            return Error("the zygote exited during a fork request");
        }
        auto m = parse_zygote_message(r->text);
        if (m.kind == ZygoteMessage::Kind::forked) return m.pid;
        if (m.kind == ZygoteMessage::Kind::fork_failed)
            return Error(fmt::format("zygote: {}", m.text));
        log::warn(kLog, "unexpected zygote message pid={} message={}", pid_, log::quote(r->text));
    }
}

void Zygote::stop(std::int64_t kill_at_ms) {
    sock_.reset();
    if (kill_at_ms_ == 0 || kill_at_ms < kill_at_ms_) kill_at_ms_ = kill_at_ms;
}

void Zygote::check_timers(std::int64_t now_ms) {
    if (kill_at_ms_ == 0 || killed_ || now_ms < kill_at_ms_) return;
    log::warn(kLog, "killing zygote pid={} reason=stop-deadline", pid_);
    ::kill(pid_, SIGKILL);
    killed_ = true;
}

}  // namespace paasrun::worker
