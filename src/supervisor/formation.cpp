#include "supervisor/formation.hpp"

#include <charconv>

#include <fmt/format.h>

namespace paasrun::supervisor {
namespace {

constexpr int kMaxCount = 1000;

bool valid_type_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

int port_for(int base, std::size_t type_index, int instance) {
    return base + 100 * static_cast<int>(type_index) + (instance - 1);
}

Result<Counts> parse_concurrency(std::string_view text) {
    Counts counts;
    std::size_t column = 1;
    while (true) {
        auto comma = text.find(',');
        auto item_raw = text.substr(0, comma);
        auto item = trim(item_raw);
        Where where{"-c", 0, static_cast<int>(column)};
        auto eq = item.find('=');
        if (eq == std::string_view::npos)
            return Error(fmt::format("expected TYPE=COUNT, got \"{}\"", item), where);
        auto name = trim(item.substr(0, eq));
        auto value = trim(item.substr(eq + 1));
        if (!valid_type_name(name))
            return Error(fmt::format("invalid process type name \"{}\" (allowed: A-Z a-z 0-9 _ -)", name), where);
        int count = -1;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
        if (ec != std::errc() || end != value.data() + value.size() || count < 0 || count > kMaxCount)
            return Error(fmt::format("count for \"{}\" must be an integer 0..{}, got \"{}\"", name,
                                     kMaxCount, value),
                         where);
        if (counts.count(std::string(name)))
            return Error(fmt::format("process type \"{}\" given twice", name), where);
        counts.emplace(std::string(name), count);
        if (comma == std::string_view::npos) break;
        column += comma + 1;
        text.remove_prefix(comma + 1);
    }
    return counts;
}

Status check_counts(const config::Procfile& procfile, const Counts& counts) {
    for (const auto& [name, count] : counts) {
        if (name == "all") continue;
        if (name == "release")
            return Error("\"release\" is the release phase and cannot be scaled");
        bool known = false;
        for (const auto& p : procfile.processes) known = known || p.name == name;
        if (!known) return Error(fmt::format("process type \"{}\" is not in the Procfile", name));
    }
    return {};
}

std::vector<ProcessSpec> expand_formation(const config::Procfile& procfile, const Counts& counts,
                                          int base_port) {
    int fallback = 1;
    if (auto all = counts.find("all"); all != counts.end()) fallback = all->second;
    std::vector<ProcessSpec> out;
    for (std::size_t t = 0; t < procfile.processes.size(); ++t) {
        const auto& type = procfile.processes[t];
        auto it = counts.find(type.name);
        int n = it == counts.end() ? fallback : it->second;
        for (int i = 1; i <= n; ++i)
            out.push_back({type.name, i, fmt::format("{}.{}", type.name, i), type.command,
                           port_for(base_port, t, i)});
    }
    return out;
}

}  // namespace paasrun::supervisor
