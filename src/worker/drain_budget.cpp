#include "worker/drain_budget.hpp"

#include <algorithm>

namespace paasrun::worker {

using std::chrono::milliseconds;

DrainBudget drain_budget(milliseconds graceful_timeout) {
    auto t = std::max(graceful_timeout, milliseconds(0));
    auto margin = std::min(t / 4, milliseconds(5000));
    return DrainBudget{t - margin, margin * 2 / 5, t - margin / 5};
}

}  // namespace paasrun::worker
