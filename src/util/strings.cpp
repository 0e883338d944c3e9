#include "util/strings.hpp"

namespace paasrun {

std::string_view trim(std::string_view s, std::string_view chars) noexcept {
    auto first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return s.substr(s.size());
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

}  // namespace paasrun
