// RequestBody: the whole request body, read by the event loop before the app is called.
//
// Why buffer the whole body: the app runs with the GIL on an app thread; if wsgi.input read
// from the socket, a slow client would hold that thread (and, while it blocks, the GIL
// hand-off) for as long as it likes. Reading it first on the loop costs memory, so bodies up
// to `memory_limit` bytes stay in memory and larger ones are spooled to an anonymous temp file
// (O_TMPFILE, or mkstemp+unlink where O_TMPFILE is unsupported) that disappears with its fd.
//
// A second bound covers the worker as a whole: bodies held in memory share a BodyMemoryBudget
// (64 MiB per worker by default), and a body that does not fit in it is spooled even when it
// is under its own limit. Without it, N slow uploads of 1 MiB each held N MiB: a burst of
// uploads could get a worker OOM-killed, and every request on it lost.
//
// A RequestBody is reused across the requests of one connection: reset() keeps a bounded
// amount of capacity so the hot path does not allocate, and drops the spool file.
//
// Data plane: errors are std::error_code (errno values from open/write/pread), never thrown.
// Not thread-safe: the loop appends, then hands the body to the app thread, which only reads
// (read_at) until the response is done; the two never overlap.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "util/unique_fd.hpp"

namespace paasrun::worker {

/// Bytes of request bodies held in memory by one worker (all its connections). Thread-safe:
/// the loop charges and releases, and a body may be released from an app thread's last
/// reference.
class BodyMemoryBudget {
public:
    static constexpr std::size_t kDefaultLimit = 64 * 1024 * 1024;

    explicit BodyMemoryBudget(std::size_t limit = kDefaultLimit) : limit_(limit) {}
    BodyMemoryBudget(const BodyMemoryBudget&) = delete;
    BodyMemoryBudget& operator=(const BodyMemoryBudget&) = delete;

    /// Charges n bytes if they fit; false (nothing charged) otherwise.
    [[nodiscard]] bool try_charge(std::size_t n);
    void release(std::size_t n);
    [[nodiscard]] std::size_t in_use() const { return used_.load(std::memory_order_relaxed); }

    /// The budget every RequestBody of this process uses unless given another.
    [[nodiscard]] static BodyMemoryBudget& process();

private:
    std::size_t limit_;
    std::atomic<std::size_t> used_{0};
};

class RequestBody {
public:
    /// Bodies larger than this go to a temp file in `spool_dir`.
    static constexpr std::size_t kDefaultMemoryLimit = 1024 * 1024;
    /// Capacity kept across reset() so a keep-alive connection does not pin large buffers.
    static constexpr std::size_t kRetainedCapacity = 64 * 1024;

    explicit RequestBody(std::size_t memory_limit = kDefaultMemoryLimit,
                         std::string spool_dir = default_spool_dir(),
                         BodyMemoryBudget& budget = BodyMemoryBudget::process());
    ~RequestBody();
    RequestBody(const RequestBody&) = delete;
    RequestBody& operator=(const RequestBody&) = delete;

    /// Empties the body for the next request (closes the spool file, if any).
    void reset();

    /// Appends bytes; moves everything to a spool file once the total exceeds the memory
    /// limit or the worker's budget has no room for them. On error the body is unusable
    /// until reset().
    [[nodiscard]] std::error_code append(std::string_view bytes);

    [[nodiscard]] std::uint64_t size() const { return size_; }
    [[nodiscard]] bool spooled() const { return spool_.valid(); }
    /// The spool file (read it with pread from offset 0), -1 when the body is in memory.
    [[nodiscard]] int spool_fd() const { return spool_.get(); }

    /// Copies up to `n` bytes starting at `offset` into `dst`; returns how many (0 at the end).
    /// Errors (pread failure on the spool file) are reported through `ec`.
    std::size_t read_at(std::uint64_t offset, char* dst, std::size_t n, std::error_code& ec) const;

    /// The body as one view when it lives in memory; empty view when spooled.
    [[nodiscard]] std::string_view memory() const {
        return spooled() ? std::string_view{} : std::string_view{mem_};
    }

    /// TMPDIR, else /tmp.
    [[nodiscard]] static std::string default_spool_dir();

private:
    [[nodiscard]] std::error_code spill();

    std::size_t memory_limit_;
    std::string spool_dir_;
    BodyMemoryBudget* budget_;
    std::size_t charged_ = 0;  // bytes of mem_ charged to budget_
    std::string mem_;
    unique_fd spool_;
    std::uint64_t size_ = 0;
};

/// A sequential reader over a RequestBody: what wsgi.input needs (read, readline) with the
/// position kept here. Reads never go past size(), so EOF is exact for chunked bodies too.
class BodyReader {
public:
    explicit BodyReader(const RequestBody& body) : body_(&body) {}

    /// Up to `n` bytes into `dst`; 0 at the end.
    std::size_t read(char* dst, std::size_t n, std::error_code& ec);
    /// Appends up to `limit` bytes through the next '\n' (inclusive) to `out`.
    void readline(std::string& out, std::size_t limit, std::error_code& ec);

    [[nodiscard]] std::uint64_t remaining() const { return body_->size() - pos_; }
    [[nodiscard]] std::uint64_t position() const { return pos_; }

private:
    const RequestBody* body_;
    std::uint64_t pos_ = 0;
};

}  // namespace paasrun::worker
