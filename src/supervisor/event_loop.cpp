#include "supervisor/event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace paasrun::supervisor {
namespace {

// epoll's data word carries both the fd and the generation of its watch, so an event that
// was already fetched for an fd which a handler then closed (and the number got reused)
// is recognised as stale instead of reaching the new owner.
std::uint64_t pack(int fd, std::uint32_t generation) {
    return (static_cast<std::uint64_t>(generation) << 32) | static_cast<std::uint32_t>(fd);
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
    unique_fd ep{::epoll_create1(EPOLL_CLOEXEC)};
    if (!ep) return sys_error("epoll_create1");
    unique_fd wake{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    if (!wake) return sys_error("eventfd");
    std::unique_ptr<EventLoop> loop(new EventLoop(std::move(ep), std::move(wake)));
    int wake_fd = loop->wake_.get();
    EventLoop* self = loop.get();
    auto st = loop->watch(wake_fd, EPOLLIN, [self, wake_fd](std::uint32_t) {
        std::uint64_t n = 0;
        while (::read(wake_fd, &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
        }
        self->run_posted();
    });
    if (!st) return st.error();
    return loop;
}

EventLoop::EventLoop(unique_fd epoll, unique_fd wake)
    : epoll_(std::move(epoll)), wake_(std::move(wake)) {}

Status EventLoop::watch(int fd, std::uint32_t events, FdHandler handler) {
    std::uint32_t gen = next_generation_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = pack(fd, gen);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) == -1)
        return sys_error("epoll_ctl(ADD, {})", fd);
    watches_[fd] = Watch{gen, std::make_shared<FdHandler>(std::move(handler))};
    return {};
}

void EventLoop::unwatch(int fd) {
    if (watches_.erase(fd) == 0) return;
    // ENOENT/EBADF: the fd was already closed, which removed it from the epoll set.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::after(Clock::duration delay, Task task) {
    TimerId id = next_timer_++;
    auto when = Clock::now() + delay;
    timers_.emplace(std::make_pair(when, id), std::move(task));
    timer_index_.emplace(id, when);
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timer_index_.find(id);
    if (it == timer_index_.end()) return;
    timers_.erase({it->second, id});
    timer_index_.erase(it);
}

void EventLoop::post(Task task) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(task));
    }
    std::uint64_t one = 1;
    // EAGAIN means the counter is saturated: the loop is already due to wake.
    [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
}

void EventLoop::run_posted() {
    std::vector<Task> tasks;
    {
        std::lock_guard lock(posted_mutex_);
        tasks.swap(posted_);
    }
    for (auto& t : tasks) {
        if (stopped_) {
            // Keep the rest for the destructor: their futures break instead of running late.
            std::lock_guard lock(posted_mutex_);
            posted_.push_back(std::move(t));
            continue;
        }
        t();
    }
}

void EventLoop::run_due_timers() {
    auto now = Clock::now();
    while (!timers_.empty() && !stopped_) {
        auto it = timers_.begin();
        if (it->first.first > now) break;
        Task task = std::move(it->second);
        timer_index_.erase(it->first.second);
        timers_.erase(it);
        task();
    }
}

int EventLoop::next_timeout_ms() const {
    if (timers_.empty()) return -1;
    auto wait = timers_.begin()->first.first - Clock::now();
    if (wait <= Clock::duration::zero()) return 0;
    // Round up so a timer never fires early and the loop never spins on a 0 ms wait.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

Status EventLoop::run() {
    std::array<epoll_event, 64> events{};
    while (!stopped_) {
        int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                             next_timeout_ms());
        if (n == -1) {
            if (errno == EINTR) continue;
            return sys_error("epoll_wait");
        }
        for (int i = 0; i < n && !stopped_; ++i) {
            int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
            auto gen = static_cast<std::uint32_t>(events[i].data.u64 >> 32);
            auto it = watches_.find(fd);
            if (it == watches_.end() || it->second.generation != gen) continue;
            auto handler = it->second.handler;  // keeps the handler alive if it unwatches itself
            (*handler)(events[i].events);
        }
        run_due_timers();
    }
    return {};
}

}  // namespace paasrun::supervisor
