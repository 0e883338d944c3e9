#include "serve/zygote_protocol.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

constexpr std::size_t kMaxFds = 8;

// "name=value" at the start of `s`; the value runs to the next space.
bool take_field(std::string_view& s, std::string_view name, std::string_view& value) {
    if (!s.starts_with(name) || s.size() <= name.size() || s[name.size()] != '=') return false;
    s.remove_prefix(name.size() + 1);
    auto end = s.find(' ');
    value = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end + 1);
    return true;
}

}  // namespace

std::string zygote_ready_message() {
    return "READY";
}

std::string zygote_fork_message(int index, std::uint64_t serial) {
    return fmt::format("FORK index={} serial={}", index, serial);
}

std::string zygote_forked_message(pid_t pid) {
    return fmt::format("FORKED pid={}", pid);
}

std::string zygote_fork_failed_message(std::string_view error) {
    std::string m = "FORK-FAILED error=";
    m.append(error.substr(0, kZygoteMaxMessage - m.size()));
    return m;
}

ZygoteMessage parse_zygote_message(std::string_view text) {
    ZygoteMessage m;
    m.text = std::string(text);
    auto space = text.find(' ');
    auto verb = text.substr(0, space);
    std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    std::string_view v;
    if (verb == "READY" && rest.empty()) {
        m.kind = ZygoteMessage::Kind::ready;
    } else if (verb == "FORK") {
        std::string_view serial;
        if (take_field(rest, "index", v) && parse_int(v, m.index) && m.index >= 1 &&
            take_field(rest, "serial", serial) && parse_int(serial, m.serial) && rest.empty())
            m.kind = ZygoteMessage::Kind::fork;
    } else if (verb == "FORKED") {
        if (take_field(rest, "pid", v) && parse_int(v, m.pid) && m.pid > 0 && rest.empty())
            m.kind = ZygoteMessage::Kind::forked;
    } else if (verb == "FORK-FAILED") {
        constexpr std::string_view kError = "error=";
        if (rest.starts_with(kError)) {
            m.kind = ZygoteMessage::Kind::fork_failed;
            m.text = std::string(rest.substr(kError.size()));
        }
    }
    if (m.kind == ZygoteMessage::Kind::unknown) m.text = std::string(text);
    return m;
}

Status send_zygote_message(int sock, std::string_view text, const std::vector<int>& fds) {
    if (text.size() > kZygoteMaxMessage) return Error("zygote message too long");
    if (fds.size() > kMaxFds) return Error("too many fds for one zygote message");
    iovec iov{const_cast<char*>(text.data()), text.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    if (!fds.empty()) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    while (true) {
        ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n == static_cast<ssize_t>(text.size())) return {};
        if (n == -1 && errno == EINTR) continue;
        if (n >= 0) return Error("zygote message sent short");
        return sys_error("sendmsg to the zygote socket");
    }
}

Result<ZygoteRecord> receive_zygote_message(int sock) {
    char buf[kZygoteMaxMessage + 1];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n == -1 && errno == EINTR);
    if (n == -1) return sys_error("recvmsg from the zygote socket");
    ZygoteRecord r;
    // Take ownership of every fd first, so an error below still closes them.
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            r.fds.emplace_back(fd);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return Error("zygote message truncated");
    if (n == 0 && r.fds.empty()) {
        r.eof = true;
        return r;
    }
    if (static_cast<std::size_t>(n) > kZygoteMaxMessage) return Error("zygote message too long");
    r.text.assign(buf, static_cast<std::size_t>(n));
    return r;
}

}  // namespace paasrun::worker
