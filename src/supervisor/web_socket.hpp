// The web listening socket the supervisor owns, and what it knows about web commands.
//
// Zero-downtime deploys need one listening socket that outlives every web process: the
// supervisor binds $PORT once and hands the socket to each web process with systemd's
// socket-activation protocol (LISTEN_FDS=N, fds 3..3+N-1; LISTEN_PID is exported by the
// start-up shell as its own pid, which is the program's pid once bash execs it). Old and new
// generations then accept from the same queue, so a switch refuses no connection.
//
// A program that ignores LISTEN_FDS and binds $PORT itself would fail with EADDRINUSE, so the
// supervisor only shares a socket when the web command is a server known to take it:
// `paasrun serve` and `gunicorn` (both honour LISTEN_FDS/LISTEN_PID). Anything else gets
// foreman's behaviour (each process binds its own PORT). manifest `deploy.shared_socket`
// overrides the detection (docs/deploys.md).
#pragma once

#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

/// The program a Procfile command line runs: its first word after leading `VAR=value`
/// assignments and an `exec`, with any directory stripped ("gunicorn" for
/// "FOO=1 exec /venv/bin/gunicorn app:app"). Empty for an empty command. Pure.
[[nodiscard]] std::string command_program(std::string_view command);

/// True for `paasrun serve ...` and `gunicorn ...` (see above). Pure.
[[nodiscard]] bool takes_listen_fds(std::string_view command);

/// True for `paasrun serve ...`: it reports READY=1 on PAASRUN_NOTIFY_FD once every worker
/// imported the app. Pure.
[[nodiscard]] bool reports_ready(std::string_view command);

/// A listening TCP socket (SO_REUSEADDR, O_CLOEXEC, non-blocking accept is the children's
/// business) on host:port; port 0 picks a free one. The error names the address.
[[nodiscard]] Result<unique_fd> listen_tcp(const std::string& host, int port, int backlog = 2048);

/// The port a socket is bound to (0 when it cannot be read).
[[nodiscard]] int bound_port(int fd);

}  // namespace paasrun::supervisor
