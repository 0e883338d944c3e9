// --preload: the messages between the arbiter and its zygote, and how they travel.
//
// The zygote is a paasrun-worker started with `--zygote=true` in its hand-off: it imports the
// app once and then forks every worker on the arbiter's request (docs/serve.md, "--preload").
// The two talk over an AF_UNIX SOCK_SEQPACKET socketpair (the zygote's end is its
// WorkerContext::control_fd): every message is one record, so no framing is needed, and a
// request can carry file descriptors (SCM_RIGHTS). Messages are ASCII, at most 256 bytes:
//
//   zygote  -> arbiter  "READY"                      app imported, gc frozen, taking requests
//   arbiter -> zygote   "FORK index=N serial=S"      + 2 fds: the new worker's control pipe
//                                                    (write end) and heartbeat memfd
//   zygote  -> arbiter  "FORKED pid=P"               the worker P exists; it is the arbiter's
//                                                    child (the arbiter is a subreaper and the
//                                                    zygote double-forks), so the arbiter reaps
//                                                    and signals it like any worker
//   zygote  -> arbiter  "FORK-FAILED error=TEXT"     no worker was made
//
// EOF on either side ends the conversation: the zygote exits when the arbiter closes its end.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

inline constexpr std::size_t kZygoteMaxMessage = 256;

struct ZygoteMessage {
    enum class Kind { ready, fork, forked, fork_failed, unknown };
    Kind kind = Kind::unknown;
    int index = 0;             // fork
    std::uint64_t serial = 0;  // fork
    pid_t pid = -1;            // forked
    std::string text;          // fork_failed: the error; unknown: the whole message
};

/// The wire text of each message (pure).
[[nodiscard]] std::string zygote_ready_message();
[[nodiscard]] std::string zygote_fork_message(int index, std::uint64_t serial);
[[nodiscard]] std::string zygote_forked_message(pid_t pid);
[[nodiscard]] std::string zygote_fork_failed_message(std::string_view error);

/// Parses one message (pure). Anything malformed is Kind::unknown with the text kept.
[[nodiscard]] ZygoteMessage parse_zygote_message(std::string_view text);

/// Sends one record with `fds` attached (SCM_RIGHTS; may be empty). Blocking.
[[nodiscard]] Status send_zygote_message(int sock, std::string_view text,
                                         const std::vector<int>& fds = {});

/// One received record. `eof` is true when the peer closed (then text and fds are empty).
struct ZygoteRecord {
    bool eof = false;
    std::string text;
    std::vector<unique_fd> fds;  // received with MSG_CMSG_CLOEXEC
};

/// Receives one record (blocking unless the socket is non-blocking: then EAGAIN is an
/// Error with code EAGAIN). A truncated record or more than 8 fds is an error.
[[nodiscard]] Result<ZygoteRecord> receive_zygote_message(int sock);

}  // namespace paasrun::worker
