// sd_notify(3) for paasrun's own main process (`paasrun start` / `up` as a systemd
// `Type=notify` service): state datagrams to the unix socket systemd names in NOTIFY_SOCKET.
//
// systemd accepts a notification only from the service's main pid (NotifyAccess=main, the
// default), so the supervisor speaks for the whole formation: READY=1 once the app is ready
// (the moment /readyz first answers 200), STOPPING=1 when a stop begins. The variable is taken
// out of the environment at start-up (take_notify_socket) so no child inherits it: a
// `paasrun serve` child also speaks sd_notify, and systemd would reject (and log) its
// datagrams, or with NotifyAccess=all take a web process's READY=1 for the supervisor's.
//
// A NOTIFY_SOCKET value is a filesystem path, or `@name` for the abstract namespace (the
// '@' becomes the leading NUL byte), as sd_notify(3) reads it. A send is one datagram, never
// blocking, and its failure (systemd gone) is returned, not fatal.
//
// src/serve/notify_parent.cpp (the serve arbiter telling its parent) has its own copy of
// the datagram send: the worker module does not link this one.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "util/result.hpp"

namespace paasrun::supervisor {

/// A NOTIFY_SOCKET value as a socket address: "/run/systemd/notify" or "@abstract".
/// Errors: empty, relative (neither '/' nor '@' first), or too long for sun_path. Pure.
struct NotifyAddress {
    sockaddr_un addr{};
    socklen_t length = 0;
};
[[nodiscard]] Result<NotifyAddress> notify_address(std::string_view socket);

/// Sends `state` (e.g. "READY=1", several lines allowed) as one datagram to `socket`.
[[nodiscard]] Status notify_send(std::string_view socket, std::string_view state);

/// Reads NOTIFY_SOCKET and unsets it (children never see it); later sd_notify() calls send
/// there. Returns the value taken, empty when unset. Call once, before any child is spawned.
std::string take_notify_socket();

/// sd_notify(3) to the socket take_notify_socket() took; a no-op when there was none.
/// Thread-safe. A failure is logged, never fatal.
void sd_notify(std::string_view state);

/// True when take_notify_socket() found a socket: someone is listening for READY=1.
[[nodiscard]] bool notify_enabled();

/// Sends READY=1 once `ready()` is first true. readiness has one definition, /readyz's (the
/// deploy engine's status), and no event of its own, so a thread asks every `period` until
/// it holds, sends, and ends. Without a notify socket no thread is started. The destructor
/// stops and joins the thread: destroy it before whatever `ready` uses. Create it after the
/// signal mask is set (Supervisor::create), so the thread inherits the blocked signals.
class ReadyAnnouncer {
public:
    explicit ReadyAnnouncer(std::function<bool()> ready,
                            std::chrono::milliseconds period = std::chrono::milliseconds(100));
    ReadyAnnouncer(const ReadyAnnouncer&) = delete;
    ReadyAnnouncer& operator=(const ReadyAnnouncer&) = delete;

private:
    std::jthread thread_;  // declared last: joined before anything it uses is gone
};

}  // namespace paasrun::supervisor
