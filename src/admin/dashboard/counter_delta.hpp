// The increase of a cumulative counter between two readings, for the dashboard's series and
// the endpoint table's windows. A counter that went down (a reading taken across a reset the
// totals did not cover) counts as no increase rather than wrapping to 2^64.
#pragma once

#include <cstdint>

namespace paasrun::admin::dashboard {

[[nodiscard]] constexpr std::uint64_t counter_delta(std::uint64_t now, std::uint64_t before) {
    return now >= before ? now - before : 0;
}

}  // namespace paasrun::admin::dashboard
