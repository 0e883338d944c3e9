#include "supervisor/human_log.hpp"

#include <fmt/format.h>

#include "util/log_fields.hpp"

namespace paasrun::supervisor {

bool parse_log_style(std::string_view s, LogStyle& out) {
    if (s == "logfmt")
        out = LogStyle::logfmt;
    else if (s == "human")
        out = LogStyle::human;
    else if (s == "json")
        out = LogStyle::json;
    else
        return false;
    return true;
}

namespace {

std::string value_or(const log::Fields& f, std::string_view key, std::string_view fallback = "?") {
    const auto* v = f.get(key);
    return v ? *v : std::string(fallback);
}

// The other fields, as key=value (quoted when needed), skipping `used`.
std::string rest(const log::Fields& f, std::initializer_list<std::string_view> used) {
    std::string out;
    for (const auto& [k, v] : f.fields) {
        bool skip = false;
        for (auto u : used) skip = skip || k == u;
        if (skip) continue;
        out += ' ';
        out += k.empty() ? log::quote(v) : k + "=" + log::quote(v);
    }
    return out;
}

std::string sentence(const log::Fields& f) {
    if (f.msg == "process started") {
        std::string extra = fmt::format("pid {}", value_or(f, "pid"));
        if (const auto* port = f.get("port")) extra += ", port " + *port;
        if (const auto* rel = f.get("release")) extra += ", " + *rel;
        return fmt::format("{} started ({})", value_or(f, "proc"), extra);
    }
    if (f.msg == "process exited") {
        std::string how = f.get("exit")     ? "exited with code " + *f.get("exit")
                          : f.get("signal") ? "was killed by " + *f.get("signal")
                                            : "exited";
        std::string after;
        if (const auto* up = f.get("uptime")) after = " after " + *up;
        return fmt::format("{} {}{}", value_or(f, "proc"), how, after);
    }
    if (f.msg == "process ready") return fmt::format("{} ready", value_or(f, "proc"));
    if (f.msg == "process finished, the others keep running")
        return fmt::format("{} finished with code 0; the others keep running", value_or(f, "proc"));
    if (f.msg == "stopping all processes")
        return fmt::format("stopping all processes ({})", value_or(f, "reason"));
    if (f.msg == "stopped") {
        const auto* forced = f.get("forced");
        return fmt::format("stopped, exit code {}{}", value_or(f, "exit_code"),
                           forced && *forced == "true" ? " (some processes had to be killed)" : "");
    }
    if (f.msg == "starting") return fmt::format("starting {} processes", value_or(f, "processes"));
    return f.msg + rest(f, {});
}

}  // namespace

std::string human_line(log::Level level, std::string_view text) {
    auto line = sentence(log::parse_fields(text));
    if (level == log::Level::warn) return "warning: " + line;
    if (level == log::Level::error) return "error: " + line;
    return line;
}

}  // namespace paasrun::supervisor
