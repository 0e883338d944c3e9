#include "serve/notify_arbiter.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace paasrun::worker {
namespace {

constexpr std::size_t kMaxLine = 256;  // < PIPE_BUF (4096): each message is one atomic write

bool write_line(int fd, const char* data, std::size_t len) noexcept {
    while (true) {
        ssize_t n = ::write(fd, data, len);
        if (n == static_cast<ssize_t>(len)) return true;
        if (n == -1 && errno == EINTR) continue;
        return false;  // pipes never write short below PIPE_BUF; anything else is failure
    }
}

bool is_reason_char(char c) {
    return (c >= 'a' && c <= 'z') || c == '-' || (c >= '0' && c <= '9');
}

}  // namespace

bool send_ready(int control_fd) noexcept {
    static constexpr char kReady[] = "READY\n";
    return write_line(control_fd, kReady, sizeof kReady - 1);
}

bool send_recycle(int control_fd, std::string_view reason) noexcept {
    // Built in a stack buffer: no allocation, so it is usable from any context.
    char buf[kMaxLine];
    static constexpr char kPrefix[] = "RECYCLE reason=";
    std::size_t n = sizeof kPrefix - 1;
    std::memcpy(buf, kPrefix, n);
    for (char c : reason) {
        if (n + 2 > sizeof buf) break;
        buf[n++] = is_reason_char(c) ? c : '-';
    }
    if (reason.empty()) {
        static constexpr char kUnknown[] = "unknown";
        std::memcpy(buf + n, kUnknown, sizeof kUnknown - 1);
        n += sizeof kUnknown - 1;
    }
    buf[n++] = '\n';
    return write_line(control_fd, buf, n);
}

bool send_status(int control_fd, std::string_view text) noexcept {
    char buf[kMaxLine];
    static constexpr char kPrefix[] = "STATUS ";
    std::size_t n = sizeof kPrefix - 1;
    std::memcpy(buf, kPrefix, n);
    for (char c : text) {
        if (n + 2 > sizeof buf) break;
        auto u = static_cast<unsigned char>(c);
        buf[n++] = u < 0x20 || u == 0x7f ? ' ' : c;
    }
    buf[n++] = '\n';
    return write_line(control_fd, buf, n);
}

WorkerMessage parse_worker_message(std::string_view line) {
    if (line == "READY") return {WorkerMessage::Kind::ready, {}};
    constexpr std::string_view kRecycle = "RECYCLE";
    if (line.starts_with(kRecycle)) {
        auto rest = line.substr(kRecycle.size());
        if (rest.empty()) return {WorkerMessage::Kind::recycle, "unknown"};
        constexpr std::string_view kReason = " reason=";
        if (rest.starts_with(kReason) && rest.size() > kReason.size())
            return {WorkerMessage::Kind::recycle, std::string(rest.substr(kReason.size()))};
    }
    constexpr std::string_view kStatus = "STATUS ";
    if (line.starts_with(kStatus))
        return {WorkerMessage::Kind::status, std::string(line.substr(kStatus.size()))};
    return {WorkerMessage::Kind::unknown, std::string(line)};
}

std::vector<std::string> LineBuffer::feed(std::string_view data) {
    std::vector<std::string> lines;
    for (char c : data) {
        if (c == '\n') {
            lines.push_back(std::move(partial_));
            partial_.clear();
            continue;
        }
        if (partial_.size() == kMaxLine) {
            // Over-long line: emit what we have (it parses as unknown) and start afresh.
            lines.push_back(std::move(partial_));
            partial_.clear();
        }
        partial_.push_back(c);
    }
    return lines;
}

}  // namespace paasrun::worker
