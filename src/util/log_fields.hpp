// The pieces of a log line written as `words key=value ...` (util/log.hpp's convention),
// and the two other renderings of it: JSON (`--log-format json`, PAASRUN_LOG_FORMAT=json, for
// log shippers) and the short human form `paasrun up` prints for the supervisor's own lines
// (supervisor/human_log.hpp). Pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/log.hpp"

namespace paasrun::log {

/// Line format of util/log.hpp's writer: logfmt (default) or JSON ({"time","level",
/// "component","msg",fields...}); PAASRUN_LOG_FORMAT=json at start-up, which
/// `paasrun up/start --log-format json` sets for every process it starts (arbiter, access log).
enum class Format { logfmt, json };
void set_format(Format f);
[[nodiscard]] Format format();

/// Now as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC): the time of every line, logfmt or JSON.
[[nodiscard]] std::string utc_now();

struct Fields {
    std::string msg;                                          // the leading words
    std::vector<std::pair<std::string, std::string>> fields;  // key=value, values unquoted
    [[nodiscard]] const std::string* get(std::string_view key) const;
};

/// Splits `text` into its message and key=value fields; a quoted value (log::quote's form)
/// is unquoted. A word after the first field that is not key=value is kept as a field with
/// an empty key.
[[nodiscard]] Fields parse_fields(std::string_view text);

/// Appends `s` as a JSON string literal (quotes included). Bytes >= 0x80 are copied as they
/// are (UTF-8 text) with NonAscii::keep; with NonAscii::escape every byte >= 0x7f is written
/// as \u00XX, its latin-1 code point (request paths are bytes: PEP 3333's view of them).
void append_json_string(std::string& out, std::string_view s, NonAscii non_ascii = NonAscii::keep);

/// `s` as a JSON string literal, UTF-8 copied (append_json_string).
[[nodiscard]] std::string json_string(std::string_view s);

/// One JSON object: {"time":..., "level":..., "component":..., "msg":..., fields...}; every
/// field value a string. No trailing newline.
[[nodiscard]] std::string json_line(std::string_view time, std::string_view level,
                                    std::string_view component, const Fields& f);

}  // namespace paasrun::log
