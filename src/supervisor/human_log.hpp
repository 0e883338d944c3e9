// The short, human form of the supervisor's own lines in `paasrun up` (the default there;
// `start` keeps logfmt for production logs, `--log-format` picks either or JSON):
//
//     14:03:07 system | web.1 started (pid 123, port 5000)
//     14:03:09 system | web.1 exited with code 1 after 2.0s
//     14:03:09 system | warning: crash loop proc=web.1 crashes=3 restart_in=0.400s
//
// The time is already in the prefix, so no second timestamp; known messages read as a
// sentence, any other is its message followed by its key=value fields. Pure.
#pragma once

#include <string>
#include <string_view>

#include "util/log.hpp"

namespace paasrun::supervisor {

/// How the supervisor writes its own lines and relays its processes' (output.hpp).
enum class LogStyle {
    logfmt,  // `system | time=... at=info component=supervisor msg="..." k=v` (start's default)
    human,   // `system | web.1 started (pid 123)` (up's default)
    json,    // one JSON object per line, no prefix (log shippers)
};

/// Parses `logfmt|human|json`; false when it is none of them.
[[nodiscard]] bool parse_log_style(std::string_view s, LogStyle& out);

/// `text` (util/log.hpp's `words key=value ...`) in the human form above.
[[nodiscard]] std::string human_line(log::Level level, std::string_view text);

}  // namespace paasrun::supervisor
