#include "release/retention.hpp"

#include <algorithm>
#include <functional>

namespace paasrun::release {

std::vector<int> releases_to_prune(std::vector<int> versions, int keep, int current, int previous) {
    std::sort(versions.begin(), versions.end(), std::greater<>());
    versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
    if (keep < 1) keep = 1;
    std::vector<int> out;
    for (std::size_t i = 0; i < versions.size(); ++i) {
        int v = versions[i];
        if (i < static_cast<std::size_t>(keep) || v == current || v == previous) continue;
        out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace paasrun::release
