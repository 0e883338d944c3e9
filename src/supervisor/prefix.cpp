#include "supervisor/prefix.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>

namespace paasrun::supervisor {
namespace {

// foreman's palette order: cyan, yellow, green, magenta, red, blue, then the bright ones.
constexpr std::array<std::string_view, 12> kPalette{"\x1b[36m", "\x1b[33m", "\x1b[32m", "\x1b[35m",
                                                    "\x1b[31m", "\x1b[34m", "\x1b[96m", "\x1b[93m",
                                                    "\x1b[92m", "\x1b[95m", "\x1b[91m", "\x1b[94m"};
constexpr std::string_view kReset = "\x1b[0m";

}  // namespace

std::string_view color_for(std::size_t i) {
    return kPalette[i % kPalette.size()];
}
std::string_view system_color() {
    return "\x1b[1m";
}

std::string format_prefix(const std::tm& t, std::string_view name, std::size_t width,
                          std::string_view color) {
    auto plain =
        fmt::format("{:02}:{:02}:{:02} {:<{}} | ", t.tm_hour, t.tm_min, t.tm_sec, name, width);
    if (color.empty()) return plain;
    return fmt::format("{}{}{}", color, plain, kReset);
}

std::string format_log_record(const std::timespec& utc, std::string_view name,
                              std::string_view line) {
    std::tm t{};
    gmtime_r(&utc.tv_sec, &t);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00 {} | {}", t.tm_year + 1900,
                       t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, utc.tv_nsec / 1000,
                       name, line);
}

bool want_color(int fd, const char* no_color) {
    if (no_color != nullptr && *no_color != '\0') return false;
    return ::isatty(fd) == 1;
}

}  // namespace paasrun::supervisor
