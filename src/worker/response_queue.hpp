// OutputQueue: response bytes (and sendfile segments) on their way from the app side to a
// socket, with backpressure.
//
// Two sides:
//   producer (the app side: an app thread, or the loop thread with --threads 1) appends
//     encoded response bytes and file segments, and marks the end of the response;
//   consumer (the loop thread) flushes them to the non-blocking socket with writev/sendfile.
// The producer appends to a staging buffer under a mutex; the consumer swaps it with its
// (empty) write buffer under the same mutex and writes without it, so neither side copies
// the other's bytes or waits while the other does I/O. Both buffers keep their capacity, so
// a keep-alive connection does not allocate per response.
//
// Backpressure: pending() is what is queued and not yet written. The producer stops pulling
// from the app above kHighWater and resumes below kLowWater (wait_below() for an app thread;
// the loop re-drives the producer itself with --threads 1). A large response is therefore
// never held whole in memory.
//
// File segments own a dup() of the app's fd, so the app may close its file object at once;
// sendfile(2) with an explicit offset leaves the shared file position alone.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "util/unique_fd.hpp"

namespace paasrun::worker {

class OutputQueue {
public:
    static constexpr std::size_t kHighWater = 256 * 1024;
    static constexpr std::size_t kLowWater = 64 * 1024;
    /// Buffer capacity kept between responses.
    static constexpr std::size_t kRetainedCapacity = 64 * 1024;

    // ---- producer side (any thread) ---------------------------------------------------
    void append(std::string_view bytes);
    /// Appends bytes assembled by the caller in one piece (avoids a lock per fragment).
    void append(std::string_view a, std::string_view b, std::string_view c = {});
    /// Queues `length` bytes of `fd` from `offset` (the fd is dup'ed). False if dup fails.
    [[nodiscard]] bool append_file(int fd, std::uint64_t offset, std::uint64_t length);
    /// Blocks until pending() < kLowWater or the consumer gave up (abort()); returns false
    /// when aborted. Call without the GIL.
    bool wait_below_low_water();
    /// Bytes queued and not yet written (approximate for the producer: it is racing).
    [[nodiscard]] std::size_t pending() const;

    // ---- consumer side (the loop thread) ----------------------------------------------
    enum class FlushResult { drained, would_block, error };
    /// Writes as much as the socket takes. `written` adds the bytes sent.
    FlushResult flush(int sock, std::uint64_t& written, std::error_code& ec);
    /// Drops everything queued and wakes a waiting producer (client gone).
    void abort();
    [[nodiscard]] bool aborted() const;
    /// Back to empty for the next response (keeps bounded capacity).
    void reset();

private:
    struct FileSegment {
        std::size_t at = 0;  // position in the byte stream of its buffer where it goes
        unique_fd fd;
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
    };
    struct Buffer {
        std::string bytes;
        std::vector<FileSegment> files;
        void clear();
    };

    FlushResult write_buffer(int sock, std::uint64_t& written, std::error_code& ec);
    void note_written(std::size_t n);

    mutable std::mutex mu_;
    std::condition_variable drained_cv_;
    Buffer staged_;            // producer appends here (under mu_)
    Buffer out_;               // consumer writes from here (loop thread only)
    std::size_t out_pos_ = 0;  // bytes of out_.bytes already written
    std::size_t next_file_ = 0;
    std::size_t pending_ = 0;  // staged + unwritten out (under mu_)
    bool aborted_ = false;
};

}  // namespace paasrun::worker
