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
// - Double-quoted values may span lines; an unterminated quote is an error.
// - A later duplicate key overrides an earlier one (as foreman does).
// - No variable interpolation: `$OTHER` stays literal (foreman's behaviour; documented).
#pragma once

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
[[nodiscard]] std::vector<Error> check_dotenv(std::string_view text, std::string_view file = ".env");

/// Reads and parses a .env file; a missing file is an empty list, not an error.
[[nodiscard]] Result<EnvList> load_dotenv(const std::string& path);

}  // namespace paasrun::config
