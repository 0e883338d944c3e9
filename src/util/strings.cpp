#include "util/strings.hpp"

namespace paasrun {

std::string_view trim(std::string_view s, std::string_view chars) noexcept {
    auto first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return s.substr(s.size());
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

}  // namespace paasrun
