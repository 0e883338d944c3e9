// Structured logging: one line per event, logfmt (key=value), to stderr.
//
//   log::info("supervisor", "process exited proc={} pid={}", name, pid);
//   -> time=2026-11-22T10:00:00.123Z at=info component=supervisor msg="process exited" proc=web.1
//   pid=42
//
// The format string's leading words (up to the first `key=`) become msg="..."; the rest is
// appended as-is, so callers write key=value pairs. Values that may contain spaces or quotes
// go through log::quote(). A line is written with a single write(2) so lines from several
// threads or processes sharing the fd never interleave. Never log secrets (config values).
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace paasrun::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

/// Minimum level written; default info, or PAASRUN_LOG_LEVEL=debug|info|warn|error.
void set_level(Level level);
[[nodiscard]] Level level();
/// Redirect to another fd (default 2).
void set_fd(int fd);

/// What quote() does with bytes 0x7f-0xff (control bytes below 0x20 are always escaped).
enum class NonAscii {
    keep,    // written as they are: our own messages, paths and names, often UTF-8
    escape,  // written as \xNN: bytes a client sent (access log), so a line stays plain text
};

/// The one logfmt quoter: `value` as is when it can stand bare, else in double quotes with
/// `"`, `\`, \n, \r, \t and control bytes escaped. Quoted when empty or holding a space, `"`,
/// `=`, `\`, a control byte, or (NonAscii::escape) a byte 0x7f-0xff.
[[nodiscard]] std::string quote(std::string_view value, NonAscii non_ascii = NonAscii::keep);
/// quote(), appended to `out` (no temporary: the access log's per-request path).
void append_quoted(std::string& out, std::string_view value, NonAscii non_ascii = NonAscii::keep);

void write(Level level, std::string_view component, std::string_view text);

template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::debug)
        write(Level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::info)
        write(Level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::warn)
        write(Level::warn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::error, component, fmt::format(f, std::forward<Args>(args)...));
}

/// The head of a logfmt line as format_line() writes it for `msg key=value...`:
/// "time=... at=LEVEL component=COMPONENT msg=MSG", appended to `out`; the caller appends
/// " key=value" fields and the '\n' (the access log's per-request path: one string, no
/// re-parsing of the fields). False, with nothing appended, when lines are JSON
/// (format_line() then renders them).
[[nodiscard]] bool append_line_head(std::string& out, Level level, std::string_view component,
                                    std::string_view msg);

/// Formats a line without writing it (exposed for tests).
[[nodiscard]] std::string format_line(Level level, std::string_view component,
                                      std::string_view text);

}  // namespace paasrun::log
