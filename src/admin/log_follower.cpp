#include "admin/log_follower.hpp"

namespace paasrun::admin {

bool LogFollower::push(std::string_view line) {
    {
        std::lock_guard lk(mu_);
        if (closed_) return false;
        if (lines_.size() >= capacity_) {
            ++dropped_;
            return true;
        }
        lines_.emplace_back(line);
    }
    cv_.notify_one();
    return true;
}

void LogFollower::close() {
    {
        std::lock_guard lk(mu_);
        closed_ = true;
    }
    cv_.notify_all();
}

LogFollower::Batch LogFollower::pop(std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, timeout, [&] { return !lines_.empty() || closed_ || dropped_ > 0; });
    Batch b;
    b.lines.assign(std::make_move_iterator(lines_.begin()), std::make_move_iterator(lines_.end()));
    lines_.clear();
    b.dropped = dropped_;
    dropped_ = 0;
    b.closed = closed_;
    return b;
}

std::string sse_event(std::string_view line) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i < line.size() && line[i] != '\n' && line[i] != '\r') continue;
        out += "data: ";
        out.append(line.substr(start, i - start));
        out += '\n';
        start = i + 1;
    }
    out += '\n';
    return out;
}

}  // namespace paasrun::admin
