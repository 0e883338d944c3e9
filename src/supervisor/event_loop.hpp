// EventLoop: the supervisor's single-threaded reactor (epoll).
//
// Everything that changes supervisor state runs on the loop thread: fd readiness (child
// output pipes, the signalfd), timers (restart backoff, the grace-period deadline) and
// functions posted from other threads (the admin API's commands). Other threads never
// touch supervisor state; they post() and, when they need an answer, wait on a future
// (Supervisor::submit builds that on top of post()).
//
// Contract:
// - watch()/unwatch()/after()/cancel()/stop() are loop-thread only (or before run()).
// - post() is thread-safe and wakes the loop through an eventfd.
// - Handlers may watch/unwatch fds and add/cancel timers, including their own; an fd that is
//   unwatched during a dispatch round gets no further callbacks from that round.
// - run() returns after stop(); functions posted but not yet run are destroyed with the
//   loop (a waiting future then sees a broken promise rather than hanging).
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;
    using FdHandler = std::function<void(std::uint32_t events)>;
    using Task = std::function<void()>;
    using TimerId = std::uint64_t;

    [[nodiscard]] static Result<std::unique_ptr<EventLoop>> create();

    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    /// Calls `handler` with the epoll events (EPOLLIN, EPOLLHUP, ...) whenever fd is ready.
    [[nodiscard]] Status watch(int fd, std::uint32_t events, FdHandler handler);
    void unwatch(int fd);

    /// Runs `task` once, `delay` from now. Returns an id for cancel().
    TimerId after(Clock::duration delay, Task task);
    void cancel(TimerId id);

    /// Thread-safe: runs `task` on the loop thread soon.
    void post(Task task);

    /// Dispatches until stop(). Fails only if epoll_wait itself fails.
    [[nodiscard]] Status run();
    void stop() { stopped_ = true; }

private:
    EventLoop(unique_fd epoll, unique_fd wake);
    void run_posted();
    void run_due_timers();
    [[nodiscard]] int next_timeout_ms() const;

    struct Watch {
        std::uint32_t generation;
        std::shared_ptr<FdHandler> handler;
    };

    unique_fd epoll_;
    unique_fd wake_;  // eventfd for post()
    std::unordered_map<int, Watch> watches_;
    std::uint32_t next_generation_ = 1;
    std::map<std::pair<Clock::time_point, TimerId>, Task> timers_;
    std::unordered_map<TimerId, Clock::time_point> timer_index_;
    TimerId next_timer_ = 1;
    bool stopped_ = false;

    std::mutex posted_mutex_;
    std::vector<Task> posted_;
};

}  // namespace paasrun::supervisor
