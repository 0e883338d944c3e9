// Finding the epoll fd of a Boost.Asio io_context, so that another event loop can watch it.
//
// Why: an ASGI worker runs one thread on which uvloop drives the C++ front end: uvloop waits
// for asio's epoll fd to be readable, then runs io_context::poll() (asgi/runtime.hpp). Asio
// has no public accessor for that fd, so the worker lists its epoll fds
// (/proc/self/fd -> "anon_inode:[eventpoll]") before the io_context and its first socket
// exist and after, on a single thread: the one new epoll fd is asio's.
#pragma once

#include <set>

#include "util/result.hpp"

namespace paasrun::worker {

/// The epoll fds open in this process right now.
[[nodiscard]] std::set<int> epoll_fds();

/// The one epoll fd in `after` that is not in `before`; an error when there is not exactly one.
[[nodiscard]] Result<int> new_epoll_fd(const std::set<int>& before, const std::set<int>& after);

}  // namespace paasrun::worker
