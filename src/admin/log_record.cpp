#include "admin/log_record.hpp"

namespace paasrun::admin {

std::optional<LogRecord> parse_log_record(std::string_view line) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp < 20 || line[4] != '-' || line[10] != 'T')
        return std::nullopt;
    auto bar = line.find(" | ", sp + 1);
    if (bar == std::string_view::npos || bar == sp + 1) return std::nullopt;
    auto name = line.substr(sp + 1, bar - sp - 1);
    if (name.find(' ') != std::string_view::npos) return std::nullopt;
    return LogRecord{std::string(line.substr(0, sp)), std::string(name),
                     std::string(line.substr(bar + 3))};
}

bool is_system(const LogRecord& r) {
    return r.name == "system";
}

std::string record_process(const LogRecord& r) {
    if (!is_system(r)) return r.name;
    // logfmt: `proc=web.1` as a whole field (start of text or after a space).
    for (std::size_t at = r.text.find("proc="); at != std::string::npos;
         at = r.text.find("proc=", at + 1)) {
        if (at != 0 && r.text[at - 1] != ' ') continue;
        auto start = at + 5;
        auto end = r.text.find(' ', start);
        auto v = r.text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        return v;
    }
    return "";
}

bool log_matches(const std::optional<LogRecord>& r, const LogFilter& f) {
    if (!r) return f.ps.empty() && f.source.empty();
    if (!f.source.empty() && (f.source == "system") != is_system(*r)) return false;
    if (f.ps.empty()) return true;
    auto proc = record_process(*r);
    if (proc == f.ps) return true;
    // "web" names the type: web.1, web.2 ...
    return f.ps.find('.') == std::string::npos && proc.size() > f.ps.size() &&
           proc.starts_with(f.ps) && proc[f.ps.size()] == '.';
}

std::string heroku_log_line(const LogRecord& r) {
    std::string who;
    if (!is_system(r)) {
        who = "app[" + r.name + "]";
    } else {
        auto proc = record_process(r);
        who = "paasrun[" + (proc.empty() ? std::string("system") : proc) + "]";
    }
    return r.time + " " + who + ": " + r.text;
}

}  // namespace paasrun::admin
