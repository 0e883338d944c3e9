// Worker -> arbiter messages over the worker's control pipe (WorkerContext::control_fd).
//
// Wire format: one ASCII line per message, at most 256 bytes, so one write(2) to a pipe is
// atomic (PIPE_BUF) and a line never interleaves with another:
//   "READY\n"                   app imported, about to accept. Sent exactly once.
//   "RECYCLE reason=<word>\n"   please replace me: <word> is max-requests | max-rss |
//                               request-timeout (or another [a-z-] word, logged as is).
//                               Sent at most once; the worker keeps serving until the
//                               arbiter's SIGTERM, which comes once the replacement is READY.
//   "STATUS <text>\n"           why the worker is about to fail (the ASGI app's lifespan
//                               startup message): the arbiter passes the last one on to its
//                               parent as sd_notify's STATUS=<text> when it halts on the
//                               worker's boot failure, so a deploy's failure names the cause.
//                               Control characters become spaces; cut to fit the line.
// EOF on the pipe means the worker exited (or closed it); the arbiter then reaps it.
// Unknown lines are logged and ignored, so the protocol can grow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paasrun::worker {

/// Worker side. Both return false when the write failed (arbiter gone); blocking-safe: a
/// short line into an empty-ish pipe never blocks in practice. Async-signal-safe.
bool send_ready(int control_fd) noexcept;
bool send_recycle(int control_fd, std::string_view reason) noexcept;
bool send_status(int control_fd, std::string_view text) noexcept;

/// Arbiter side: a parsed message.
struct WorkerMessage {
    enum class Kind { ready, recycle, status, unknown };
    Kind kind = Kind::unknown;
    std::string reason;  // RECYCLE's reason; STATUS's text; the whole line for unknown
};

/// Parses one line (without its '\n'). Pure.
[[nodiscard]] WorkerMessage parse_worker_message(std::string_view line);

/// Accumulates bytes read from a control pipe and yields complete lines. A line longer than
/// 256 bytes is cut and reported as unknown (a worker cannot make the arbiter buffer forever).
class LineBuffer {
public:
    /// Appends `data` and returns the complete lines it finished, without '\n'.
    std::vector<std::string> feed(std::string_view data);

private:
    std::string partial_;
};

}  // namespace paasrun::worker
