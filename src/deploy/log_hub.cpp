#include "deploy/log_hub.hpp"

namespace paasrun::deploy {

void LogHub::publish(std::string_view line) {
    std::lock_guard lock(mu_);
    ring_.emplace_back(line);
    while (ring_.size() > capacity_) ring_.pop_front();
    for (auto it = sinks_.begin(); it != sinks_.end();)
        it = it->second(line) ? std::next(it) : sinks_.erase(it);
}

std::vector<std::string> LogHub::tail(std::size_t lines) const {
    std::lock_guard lock(mu_);
    auto n = std::min(lines, ring_.size());
    return {ring_.end() - static_cast<std::ptrdiff_t>(n), ring_.end()};
}

int LogHub::subscribe(std::function<bool(std::string_view)> sink) {
    std::lock_guard lock(mu_);
    int id = next_id_++;
    sinks_.emplace(id, std::move(sink));
    return id;
}

void LogHub::unsubscribe(int id) {
    std::lock_guard lock(mu_);
    sinks_.erase(id);
}

}  // namespace paasrun::deploy
