// What a worker's connections cost in memory, and how it is given back (docs/serve.md,
// "Memory per connection").
//
// An open connection used to hold a 16 KiB body buffer and an 8 KiB read buffer for its whole
// life, idle or not: ~29 KiB per connection, and after the connections closed glibc kept the
// freed heap (asio's per-socket state, which it pools forever, sits between the freed blocks,
// so the heap top never shrinks): 6,000 idle connections cost a worker +175 MiB for good.
//
// - ScratchBuffer: one per worker for bytes that are consumed as soon as they are read (body
//   bytes are copied into the RequestBody, linger bytes are dropped). The loop thread reads
//   into it and uses it synchronously, so connections never need their own.
// - ReadBufferPool: a connection holds a read buffer only while a request head is arriving or
//   unparsed bytes wait in it; an idle keep-alive connection gives it back. The pool keeps at
//   most kMaxSpare buffers of the initial size, so a burst does not pin its peak.
// - DescriptorStateReserve: asio allocates a small state object per registered socket and
//   keeps it in a free list forever. Allocated one by one at accept, they land between the
//   connections' own blocks, and every heap page holding one stays resident after those
//   connections close (measured: ~4.5 KiB per connection kept even after malloc_trim). So they
//   are allocated ahead, in batches, back to back (registering throwaway eventfds), and
//   accepted sockets take them from asio's free list.
// - HeapTrimmer: after a burst of closes, malloc_trim(0) returns the free pages inside the heap
//   to the kernel (glibc only returns memory at the top of the heap by itself). At most once
//   per tick: during a burst after every kTrimAfterCloses closes, and once the burst is over
//   (a tick without closes) when at least kMinCloses closed since the last trim. So its cost
//   (a walk of the heap) is paid per hundreds of connections, never per connection.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace paasrun::worker {

inline constexpr std::size_t kInitialReadBuffer = 8 * 1024;

class ReadBufferPool {
public:
    static constexpr std::size_t kMaxSpare = 64;
    /// A buffer of kInitialReadBuffer bytes (or more: never smaller).
    [[nodiscard]] std::string take();
    /// Returns a buffer; kept when it has the initial size and the pool is not full.
    void give(std::string&& buf);
    [[nodiscard]] std::size_t spare() const { return spare_.size(); }

private:
    std::vector<std::string> spare_;
};

class ScratchBuffer {
public:
    static constexpr std::size_t kSize = 16 * 1024;
    [[nodiscard]] char* data() { return buf_.data(); }
    [[nodiscard]] static constexpr std::size_t size() { return kSize; }

private:
    std::array<char, kSize> buf_{};
};

class DescriptorStateReserve {
public:
    static constexpr std::size_t kBatch = 64;
    /// Makes sure asio's free list can serve `live` + kBatch sockets. Best effort: when no fd
    /// is available for the throwaway eventfds it stops (accepting works as before).
    void ensure(boost::asio::io_context& io, std::size_t live);

private:
    std::size_t reserved_ = 0;
};

class HeapTrimmer {
public:
    static constexpr std::size_t kTrimAfterCloses = 1024;
    static constexpr std::size_t kMinCloses = 64;
    void connection_closed() { ++closed_; }
    /// From the manager's tick: trims when enough connections closed since the last trim.
    /// Returns whether it trimmed.
    bool on_tick();

private:
    std::size_t closed_ = 0;
    std::size_t closed_at_last_tick_ = 0;
};

}  // namespace paasrun::worker
