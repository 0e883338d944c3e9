// Arbiter -> parent readiness, sd_notify(3)-style, over either or both channels:
//   NOTIFY_SOCKET=PATH | @ABSTRACT   one datagram per state (systemd's protocol)
//   PAASRUN_NOTIFY_FD=N              a pipe/socket fd: one line per state, "STATE\n"
// States sent: "READY=1" once every worker has imported the app (first time only);
// "RELOADING=1" when a SIGHUP rolling restart starts and "READY=1" again when it is done;
// "STOPPING=1" when a shutdown starts. Both variables are unset at startup so workers never
// see them; the fd is marked FD_CLOEXEC. Failures (parent gone) are logged, never fatal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

class ParentNotifier {
public:
    /// Reads and unsets NOTIFY_SOCKET and PAASRUN_NOTIFY_FD. A malformed value is an error.
    [[nodiscard]] static Result<ParentNotifier> from_environment();

    /// Sends "STATE" (e.g. "READY=1") on every configured channel.
    void send(std::string_view state);

    [[nodiscard]] bool enabled() const { return !socket_path_.empty() || fd_.valid(); }

private:
    std::string socket_path_;  // abstract names keep their leading '@'
    unique_fd fd_;
};

/// Parses PAASRUN_NOTIFY_FD's value: a non-negative fd number. Pure.
[[nodiscard]] Result<int> parse_notify_fd(std::string_view text);

}  // namespace paasrun::worker
