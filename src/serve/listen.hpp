// Listening sockets of `paasrun serve`: parsed from --bind, bound by the arbiter, or inherited
// from the parent with systemd's socket-activation protocol (sd_listen_fds(3)).
//
// --bind forms (gunicorn's):  HOST:PORT, HOST (port 8000), [IPV6]:PORT, :PORT (0.0.0.0),
//                             unix:PATH, unix://PATH, fd://N (an already listening fd).
// Inheritance: LISTEN_FDS=n means fds 3..3+n-1 are listening sockets. LISTEN_PID, when set,
// must equal our pid or the variables are ignored (they were meant for an ancestor). When
// LISTEN_PID is unset LISTEN_FDS is trusted: a supervisor that starts us with posix_spawn
// cannot know our pid in advance. LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES are unset after
// use so workers and grandchildren never see them.
//
// The sockets live for the arbiter's whole life: every worker generation accepts on the same
// open file descriptions, which is why a rolling restart refuses no connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process/activation.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

struct BindAddress {
    enum class Kind { tcp, unix_path, fd };
    Kind kind = Kind::tcp;
    std::string host;        // tcp: "" never (":PORT" becomes 0.0.0.0); brackets stripped
    std::uint16_t port = 0;  // tcp
    std::string path;        // unix_path
    int fd = -1;             // fd

    bool operator==(const BindAddress&) const = default;
};

/// Parses one --bind value. Pure.
[[nodiscard]] Result<BindAddress> parse_bind(std::string_view text);

/// Parses LISTEN_PID / LISTEN_FDS values (nullopt = variable unset). Returns the number of
/// inherited fds, 0 when there are none for `self_pid`. Pure.
[[nodiscard]] Result<int> parse_listen_fds(std::optional<std::string_view> listen_pid,
                                           std::optional<std::string_view> listen_fds,
                                           int self_pid);

using process::kListenFdsStart;  // SD_LISTEN_FDS_START

struct Listener {
    unique_fd fd;
    std::string name;            // "http://127.0.0.1:8000", "unix:/run/app.sock", "fd://3"
    std::string unlink_on_exit;  // unix socket path we created; "" otherwise
};

/// Binds and listens (SO_REUSEADDR, FD_CLOEXEC, `backlog`). A stale unix socket file (nobody
/// accepting on it) is replaced; a live one or a non-socket file is an error.
/// `reuse_port`: SO_REUSEPORT on TCP sockets (--reuse-port), so another server (a second
/// paasrun, a new version started beside the old) can bind the same address.
[[nodiscard]] Result<Listener> open_listener(const BindAddress& addr, int backlog,
                                             bool reuse_port = false);

/// Takes the fds from LISTEN_FDS (validated: each must be a listening stream socket), marks
/// them FD_CLOEXEC and unsets the variables. Empty when nothing was inherited.
[[nodiscard]] Result<std::vector<Listener>> inherit_listeners();

/// "http://HOST:PORT" / "unix:PATH" from getsockname (shows the real port after binding 0).
[[nodiscard]] std::string describe_socket(int fd);

}  // namespace paasrun::worker
