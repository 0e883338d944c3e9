// The relayed log's line format, foreman/honcho style:
//
//     14:03:07 web.1    | GET / 200
//     14:03:07 system   | time=... at=info component=supervisor msg="process started" proc=web.1
//     pid=42
//
// `HH:MM:SS` is local time; names are left-aligned and padded to the longest name so the
// bars line up. On a terminal each process gets its own colour for the prefix; colour is off
// when the output is not a TTY or NO_COLOR is set to anything non-empty (https://no-color.org).
// Pure functions; the writer that uses them is output.hpp.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

namespace paasrun::supervisor {

/// ANSI SGR colour for the i-th process (cycles through a fixed palette).
[[nodiscard]] std::string_view color_for(std::size_t i);
/// The colour used for the supervisor's own `system` lines.
[[nodiscard]] std::string_view system_color();

/// "HH:MM:SS name   | " (width pads the name), wrapped in `color` and a reset when non-empty.
[[nodiscard]] std::string format_prefix(const std::tm& local_time, std::string_view name,
                                        std::size_t width, std::string_view color);

/// A line as the log hub keeps it (GET /v1/logs, `paasrun logs`):
///     2026-12-06T10:00:00.123456+00:00 web.1 | GET / 200
/// RFC 3339 UTC with microseconds (what `heroku logs` prints), the process name unpadded,
/// " | ", the text. `paasrun logs` parses it back (app/log_lines.hpp).
[[nodiscard]] std::string format_log_record(const std::timespec& utc, std::string_view name,
                                            std::string_view line);

/// Whether to colour output written to `fd` given the value of NO_COLOR (nullptr: unset).
[[nodiscard]] bool want_color(int fd, const char* no_color);

}  // namespace paasrun::supervisor
