#include "deploy/switch_events.hpp"

namespace paasrun::deploy {

bool SwitchEvents::arm() {
    std::lock_guard lock(mu_);
    queue_.clear();
    return std::exchange(armed_, true);
}

void SwitchEvents::disarm() {
    std::lock_guard lock(mu_);
    armed_ = false;
    queue_.clear();
}

void SwitchEvents::push(SwitchEvent e) {
    {
        std::lock_guard lock(mu_);
        if (!armed_ || queue_.size() >= kMaxEvents) return;
        queue_.push_back(std::move(e));
    }
    cv_.notify_all();
}

std::optional<SwitchEvent> SwitchEvents::wait_until(SwitchClock::time_point until) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, until, [&] { return closed_ || !queue_.empty(); });
    if (closed_ || queue_.empty()) return std::nullopt;
    auto e = std::move(queue_.front());
    queue_.pop_front();
    return e;
}

void SwitchEvents::close() {
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    cv_.notify_all();
}

}  // namespace paasrun::deploy
