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

// Writes `prefix`, then `text` with each byte through `clean` (cut to fit the line), then a
// newline, as one write. Built in a stack buffer: no allocation, so it is usable from any
// context.
template <class Clean>
bool send_prefixed(int fd, std::string_view prefix, std::string_view text, Clean clean) noexcept {
    char buf[kMaxLine];
    std::size_t n = prefix.size();
    std::memcpy(buf, prefix.data(), n);
    for (char c : text) {
        if (n + 2 > sizeof buf) break;
        buf[n++] = clean(c);
    }
    buf[n++] = '\n';
    return write_line(fd, buf, n);
}

}  // namespace

bool send_ready(int control_fd) noexcept {
    static constexpr char kReady[] = "READY\n";
    return write_line(control_fd, kReady, sizeof kReady - 1);
}

bool send_recycle(int control_fd, std::string_view reason) noexcept {
    return send_prefixed(control_fd, "RECYCLE reason=", reason.empty() ? "unknown" : reason,
                         [](char c) { return is_reason_char(c) ? c : '-'; });
}

bool send_status(int control_fd, std::string_view text) noexcept {
    return send_prefixed(control_fd, "STATUS ", text, [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f ? ' ' : c;
    });
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
