#include "util/did_you_mean.hpp"

#include <algorithm>

namespace paasrun::util {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows of the classic table are enough for the transposition rule.
    std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
        }
        std::swap(prev2, prev);
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::optional<std::string> nearest(std::string_view word,
                                   const std::vector<std::string>& candidates) {
    if (word.empty()) return std::nullopt;
    std::optional<std::string> best;
    std::size_t best_distance = 0;
    for (const auto& c : candidates) {
        auto d = edit_distance(word, c);
        auto longer = std::max(word.size(), c.size());
        bool typo = d <= 2 && d * 3 <= longer;
        bool prefix = word.size() >= 3 && c.starts_with(word);
        if (!typo && !prefix) continue;
        if (prefix) d = std::min<std::size_t>(d, 2);  // rank an abbreviation like a 2-edit typo
        if (!best || d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    return best;
}

}  // namespace paasrun::util
