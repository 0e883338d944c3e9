// `.env` parsing, compatible with foreman and honcho.
//
//   # comment
//   export DATABASE_URL=postgres://localhost/db
//   GREETING="hello\nworld"     # double quotes: \n \t \r \" \\ \$ escapes
//   RAW='no $escapes\n here'    # single quotes: literal
//   BARE=value # trailing comment after whitespace is dropped on unquoted values
//
// - Keys match [A-Za-z_][A-Za-z0-9_.-]*; an `export ` prefix is allowed.
// - Whitespace around `=` and around unquoted values is trimmed.
// - Double-quoted values may span lines; an unterminated quote is an error. Other
//   backslashes inside double quotes are kept as written (`"C:\dir"` stays C:\dir).
// - Single-quoted values are literal and end on the same line.
// - After a closing quote only whitespace and a `# comment` may follow.
// - In an unquoted value a `#` not preceded by whitespace is kept (`URL=http://h/#top`).
// - A line without `=` is an error (foreman silently skips it; we would rather say so).
// - A NUL byte in a value is an error (it cannot be passed through environ).
// - CRLF line endings and a leading UTF-8 BOM are accepted. Columns count bytes, from 1.
// - A later duplicate key overrides an earlier one (as foreman does).
// - No variable interpolation: `$OTHER` stays literal (foreman's behaviour; documented).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace paasrun::config {

/// Ordered key/value pairs; later entries win when looked up through to_map().
using EnvList = std::vector<std::pair<std::string, std::string>>;

/// Parses .env text. Pure. Stops at the first error, which names line and column.
[[nodiscard]] Result<EnvList> parse_dotenv(std::string_view text, std::string_view file = ".env");

/// Every error in the text (for `paasrun check`).
[[nodiscard]] std::vector<Error> check_dotenv(std::string_view text,
                                              std::string_view file = ".env");

/// The pairs as a map; for a key given more than once the last value wins.
[[nodiscard]] std::map<std::string, std::string> to_map(const EnvList& list);

/// Reads and parses a .env file; a missing file is an empty list, not an error.
[[nodiscard]] Result<EnvList> load_dotenv(const std::string& path);

}  // namespace paasrun::config
