#include "worker/response_queue.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace paasrun::worker {

void OutputQueue::Buffer::clear() {
    bytes.clear();
    if (bytes.capacity() > kRetainedCapacity) bytes.shrink_to_fit();
    files.clear();
}

void OutputQueue::append(std::string_view bytes) {
    std::lock_guard lock(mu_);
    if (aborted_) return;
    staged_.bytes.append(bytes);
    pending_ += bytes.size();
}

void OutputQueue::append(std::string_view a, std::string_view b, std::string_view c) {
    std::lock_guard lock(mu_);
    if (aborted_) return;
    auto& s = staged_.bytes;
    s.reserve(s.size() + a.size() + b.size() + c.size());
    s.append(a).append(b).append(c);
    pending_ += a.size() + b.size() + c.size();
}

bool OutputQueue::append_file(int fd, std::uint64_t offset, std::uint64_t length) {
    if (length == 0) return true;
    unique_fd copy{::fcntl(fd, F_DUPFD_CLOEXEC, 0)};
    if (!copy) return false;
    std::lock_guard lock(mu_);
    if (aborted_) return true;
    staged_.files.push_back(FileSegment{staged_.bytes.size(), std::move(copy), offset, length});
    pending_ += static_cast<std::size_t>(length);
    return true;
}

bool OutputQueue::wait_below_low_water() {
    std::unique_lock lock(mu_);
    drained_cv_.wait(lock, [this] { return aborted_ || pending_ < kLowWater; });
    return !aborted_;
}

std::size_t OutputQueue::pending() const {
    std::lock_guard lock(mu_);
    return pending_;
}

void OutputQueue::note_written(std::size_t n) {
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        std::size_t before = pending_;
        pending_ -= std::min(n, pending_);
        wake = before >= kLowWater && pending_ < kLowWater;
    }
    if (wake) drained_cv_.notify_all();
}

OutputQueue::FlushResult OutputQueue::flush(int sock, std::uint64_t& written, std::error_code& ec) {
    for (;;) {
        bool out_done = out_pos_ == out_.bytes.size() && next_file_ == out_.files.size();
        if (out_done) {
            out_.clear();
            out_pos_ = 0;
            next_file_ = 0;
            std::lock_guard lock(mu_);
            if (staged_.bytes.empty() && staged_.files.empty()) return FlushResult::drained;
            std::swap(out_, staged_);
        }
        auto r = write_buffer(sock, written, ec);
        if (r != FlushResult::drained) return r;
    }
}

OutputQueue::FlushResult OutputQueue::write_buffer(int sock, std::uint64_t& written,
                                                   std::error_code& ec) {
    for (;;) {
        bool file_next = next_file_ < out_.files.size();
        std::size_t end = file_next ? out_.files[next_file_].at : out_.bytes.size();
        while (out_pos_ < end) {
            // MSG_MORE when a file follows: the head and the file's first bytes share a packet.
            int flags = MSG_NOSIGNAL | (file_next ? MSG_MORE : 0);
            ssize_t n = ::send(sock, out_.bytes.data() + out_pos_, end - out_pos_, flags);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return FlushResult::would_block;
                ec = {errno, std::generic_category()};
                return FlushResult::error;
            }
            out_pos_ += static_cast<std::size_t>(n);
            written += static_cast<std::uint64_t>(n);
            note_written(static_cast<std::size_t>(n));
        }
        if (!file_next) return FlushResult::drained;
        auto& f = out_.files[next_file_];
        while (f.length > 0) {
            off_t off = static_cast<off_t>(f.offset);
            std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(f.length, 1u << 30));
            ssize_t n = ::sendfile(sock, f.fd.get(), &off, want);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return FlushResult::would_block;
                ec = {errno, std::generic_category()};
                return FlushResult::error;
            }
            if (n == 0) {
                // The file shrank under us: the promised length can no longer be honoured,
                // so the response is broken; the caller closes the connection.
                ec = std::make_error_code(std::errc::io_error);
                return FlushResult::error;
            }
            f.offset += static_cast<std::uint64_t>(n);
            f.length -= static_cast<std::uint64_t>(n);
            written += static_cast<std::uint64_t>(n);
            note_written(static_cast<std::size_t>(n));
        }
        f.fd.reset();
        ++next_file_;
    }
}

void OutputQueue::abort() {
    {
        std::lock_guard lock(mu_);
        aborted_ = true;
        staged_.clear();
        pending_ = 0;
    }
    out_.clear();
    out_pos_ = 0;
    next_file_ = 0;
    drained_cv_.notify_all();
}

bool OutputQueue::aborted() const {
    std::lock_guard lock(mu_);
    return aborted_;
}

void OutputQueue::reset() {
    std::lock_guard lock(mu_);
    aborted_ = false;
    staged_.clear();
    out_.clear();
    out_pos_ = 0;
    next_file_ = 0;
    pending_ = 0;
}

}  // namespace paasrun::worker
