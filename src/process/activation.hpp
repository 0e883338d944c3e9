// The activation protocol between a parent that starts a server and the server itself: the
// names both sides of the supervisor/serve boundary spell, in one place.
//
//   socket activation (systemd's sd_listen_fds): LISTEN_FDS=N listening sockets at fd 3..,
//     for the process LISTEN_PID; LISTEN_FDNAMES is systemd's optional name list (dropped:
//     paasrun never sets it, and a stale one must not describe our fds);
//   readiness: a child writes newline-terminated sd_notify messages (READY=1, STOPPING=1,
//     RELOADING=1) on the pipe whose fd number is in PAASRUN_NOTIFY_FD, or sends them as
//     datagrams to systemd's NOTIFY_SOCKET.
//
// The supervisor (src/supervisor) is the parent side, the serve arbiter (src/serve: listen,
// notify_parent) the child side; `paasrun up` under systemd is the child of systemd's side.
#pragma once

#include <string_view>

namespace paasrun::process {

inline constexpr const char* kListenFds = "LISTEN_FDS";
inline constexpr const char* kListenPid = "LISTEN_PID";
inline constexpr const char* kListenFdNames = "LISTEN_FDNAMES";
inline constexpr int kListenFdsStart = 3;  // SD_LISTEN_FDS_START

inline constexpr const char* kNotifyFd = "PAASRUN_NOTIFY_FD";
inline constexpr const char* kNotifySocket = "NOTIFY_SOCKET";

inline constexpr std::string_view kReady = "READY=1";
inline constexpr std::string_view kStopping = "STOPPING=1";
inline constexpr std::string_view kReloading = "RELOADING=1";
/// "STATUS=<text>": why the process is about to fail (sd_notify's free-form status line).
inline constexpr std::string_view kStatusPrefix = "STATUS=";

}  // namespace paasrun::process
