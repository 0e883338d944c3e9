#include "process/backoff.hpp"

#include <algorithm>

namespace paasrun::process {

Backoff::Seconds Backoff::on_exit(Seconds uptime) {
    if (uptime >= policy_.reset_after || consecutive_ == 0) {
        consecutive_ = 1;
        next_ = Seconds(0);
        if (policy_.immediate_first) return next_;
        next_ = std::min(policy_.initial, policy_.max);
        return next_;
    }
    ++consecutive_;
    next_ = next_ == Seconds(0) ? policy_.initial : next_ * 2;
    next_ = std::min(next_, policy_.max);
    return next_;
}

}  // namespace paasrun::process
