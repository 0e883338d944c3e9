// The client side of GET /v1/logs: a line of the log hub is
//     2026-12-06T10:00:00.123456+00:00 web.1 | GET / 200
// (supervisor/prefix.hpp: format_log_record). `paasrun logs` parses it, filters it (--ps,
// --source) and prints it as `heroku logs` does:
//     2026-12-06T10:00:00.123456+00:00 app[web.1]: GET / 200
//     2026-12-06T10:00:01.000000+00:00 paasrun[web.1]: at=info msg="process exited" proc=web.1 ...
// Lines of the processes are the `app` source; paasrun's own (the `system` name: supervisor,
// deploy engine, admin API) the `system` source, shown under the process they are about (their
// proc= field) like Heroku's `heroku[web.1]` lines. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace paasrun::admin {

struct LogRecord {
    std::string time;  // RFC 3339
    std::string name;  // web.1, worker.2, system
    std::string text;
};

/// nullopt for a line not in the record format.
[[nodiscard]] std::optional<LogRecord> parse_log_record(std::string_view line);

/// True for paasrun's own lines (the `system` name).
[[nodiscard]] bool is_system(const LogRecord& r);
/// The process a record is about: its name, or a system line's `proc=` value ("" if none).
[[nodiscard]] std::string record_process(const LogRecord& r);

struct LogFilter {
    std::string ps;      // "": any; "web": every web.N; "web.1": that process
    std::string source;  // "": any; "app" or "system"
};

/// Whether `r` passes `f`. A line that is not a record passes only an empty filter.
[[nodiscard]] bool log_matches(const std::optional<LogRecord>& r, const LogFilter& f);

/// `heroku logs` format: "TIME app[web.1]: TEXT", "TIME paasrun[web.1]: TEXT" or
/// "TIME paasrun[system]: TEXT".
[[nodiscard]] std::string heroku_log_line(const LogRecord& r);

}  // namespace paasrun::admin
