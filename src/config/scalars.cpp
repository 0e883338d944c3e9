#include "config/scalars.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "util/strings.hpp"

namespace paasrun::config {

namespace {

// Splits "10MB" / "1.5 h" into the number and the unit.
std::pair<std::string_view, std::string_view> split_unit(std::string_view text) {
    std::size_t i = text.size();
    while (i > 0 && ((text[i - 1] >= 'a' && text[i - 1] <= 'z') ||
                     (text[i - 1] >= 'A' && text[i - 1] <= 'Z')))
        --i;
    // "1e3" is a number, not 1 with unit "e3": only letters after the last digit count.
    return {trim(text.substr(0, i), kOws), text.substr(i)};
}

}  // namespace

std::optional<long long> parse_integer(std::string_view text) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && (text.front() == '+' || text.front() == '-')) return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    long long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

std::optional<double> parse_number(std::string_view text) {
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
        if (!text.empty() && (text.front() == '+' || text.front() == '-')) return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    // from_chars would accept "inf", "nan" and hex floats: only plain decimals are numbers.
    for (char c : text)
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E'))
            return std::nullopt;
    double v = 0;
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::general);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

std::optional<double> parse_duration(std::string_view text) {
    auto [number, unit] = split_unit(trim(text, kOws));
    auto v = parse_number(number);
    if (!v) return std::nullopt;
    double scale = unit.empty() || iequals(unit, "s") ? 1.0
                   : iequals(unit, "ms")              ? 0.001
                   : iequals(unit, "m")               ? 60.0
                   : iequals(unit, "h")               ? 3600.0
                                                      : -1.0;
    if (scale < 0) return std::nullopt;
    return *v * scale;
}

std::optional<long long> parse_size(std::string_view text) {
    auto [number, unit] = split_unit(trim(text, kOws));
    long long scale = 0;
    if (unit.empty() || iequals(unit, "b"))
        scale = 1;
    else if (iequals(unit, "k") || iequals(unit, "kb") || iequals(unit, "kib"))
        scale = 1LL << 10;
    else if (iequals(unit, "m") || iequals(unit, "mb") || iequals(unit, "mib"))
        scale = 1LL << 20;
    else if (iequals(unit, "g") || iequals(unit, "gb") || iequals(unit, "gib"))
        scale = 1LL << 30;
    else
        return std::nullopt;
    if (auto whole = parse_integer(number)) {
        if (*whole > 0 && *whole > (1LL << 62) / scale) return std::nullopt;
        if (*whole < 0 && *whole < -(1LL << 62) / scale) return std::nullopt;
        return *whole * scale;
    }
    auto v = parse_number(number);
    if (!v) return std::nullopt;
    double bytes = *v * static_cast<double>(scale);
    if (std::fabs(bytes) > 4.0e18 || bytes != std::floor(bytes)) return std::nullopt;
    return static_cast<long long>(bytes);
}

}  // namespace paasrun::config
