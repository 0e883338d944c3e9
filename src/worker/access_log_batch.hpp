// AccessLogBatch: the access log lines of one loop iteration, written with one write(2).
//
// Each request used to cost a write(2) of its own line: one of the three system calls of a
// keep-alive hello-world request (recv, send, write), in a VM ~1-2 us of kernel time each.
// The connection manager adds lines here and flushes once the handlers that were ready have
// run (a posted handler; an ASGI worker also after each io_context::poll()), so a busy worker
// writes its lines in batches and an idle one still writes each line at once.
//
// Lines never interleave with other workers' lines on a shared fd: a batch is at most
// PIPE_BUF (4096) bytes, which a pipe writes atomically (and an O_APPEND file in one piece);
// a longer single line is written alone, as before. A write that fails is dropped, as before
// (the access log never blocks or fails a request). Loop thread only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace paasrun::worker {

class AccessLogBatch {
public:
    static constexpr std::size_t kMaxBatch = 4096;  // PIPE_BUF on Linux

    explicit AccessLogBatch(int fd) : fd_(fd) {}
    ~AccessLogBatch() { flush(); }
    AccessLogBatch(const AccessLogBatch&) = delete;
    AccessLogBatch& operator=(const AccessLogBatch&) = delete;

    /// Adds one line (with its newline). True when the batch was empty before: the caller
    /// arranges a flush() after the current handlers.
    bool add(std::string_view line);
    /// Writes what is batched (one write) and empties the batch.
    void flush();
    [[nodiscard]] bool empty() const { return buf_.empty(); }

private:
    int fd_;
    std::string buf_;
};

}  // namespace paasrun::worker
