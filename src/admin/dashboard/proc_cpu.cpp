#include "admin/dashboard/proc_cpu.hpp"

#include <unistd.h>

#include <charconv>
#include <string>

#include "util/read_file.hpp"

namespace paasrun::admin::dashboard {

std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat) {
    auto close = stat.rfind(')');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = stat.substr(close + 1);
    // After ")": field 3 (state) is the first; utime is field 14, stime field 15.
    std::uint64_t values[2] = {0, 0};
    int field = 2;
    std::size_t i = 0;
    while (i < rest.size()) {
        while (i < rest.size() && rest[i] == ' ') ++i;
        if (i >= rest.size()) break;
        auto end = rest.find(' ', i);
        if (end == std::string_view::npos) end = rest.size();
        ++field;
        if (field == 14 || field == 15) {
            auto tok = rest.substr(i, end - i);
            auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), values[field - 14]);
            if (ec != std::errc() || p != tok.data() + tok.size()) return std::nullopt;
            if (field == 15) return values[0] + values[1];
        }
        i = end;
    }
    return std::nullopt;
}

std::optional<double> process_cpu_seconds(pid_t pid) {
    static const long ticks = [] {
        long t = ::sysconf(_SC_CLK_TCK);
        return t > 0 ? t : 100;
    }();
    auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return std::nullopt;
    auto n = parse_stat_cpu_ticks(*text);
    if (!n) return std::nullopt;
    return static_cast<double>(*n) / static_cast<double>(ticks);
}

}  // namespace paasrun::admin::dashboard
