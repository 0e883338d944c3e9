#include "supervisor/backoff.hpp"

#include <algorithm>

namespace paasrun::supervisor {

Backoff::Seconds Backoff::on_exit(Seconds uptime) {
    if (uptime >= reset_after_ || consecutive_ == 0) {
        consecutive_ = 1;
        next_ = std::min(initial_, max_);
        return next_;
    }
    ++consecutive_;
    next_ = std::min(next_ * 2, max_);
    return next_;
}

}  // namespace paasrun::supervisor
