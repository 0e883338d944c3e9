// gunicorn 20.1's settings that `paasrun serve` does NOT take, and why.
//
// The ones it takes are rows of serve_option_table.hpp (their `gunicorn` column). Together
// the two tables name every setting gunicorn 20.1 has (an integration test compares them
// with gunicorn.config.KNOWN_SETTINGS), so nothing a gunicorn user writes is silently ignored:
//   - on the command line or in GUNICORN_CMD_ARGS such a flag stops serve with one line
//     saying it is a gunicorn option paasrun does not support and where the docs are;
//   - in gunicorn.conf.py the setting gets one warning naming it (a config file is shared
//     with gunicorn more often, and names a hook more often than a flag).
// docs/gunicorn-migration.md says the same per setting.
#pragma once

#include <span>
#include <string_view>

namespace paasrun::worker {

enum class GunicornKind : unsigned char {
    flag,     // a command-line flag without a value (--daemon)
    value,    // a command-line option with a value (--user NAME)
    setting,  // config file only (secure_scheme_headers)
    hook,     // a server hook (config file only): on_starting, post_fork, ...
};

struct UnsupportedGunicornSetting {
    std::string_view name;   // the gunicorn setting ("daemon")
    std::string_view flags;  // its command-line spelling, CLI11 style ("-D,--daemon"); "" = none
    GunicornKind kind;
    std::string_view why;  // one clause: why not, or what to use instead
};

[[nodiscard]] std::span<const UnsupportedGunicornSetting> unsupported_gunicorn_settings();

/// The row for a setting name, or nullptr.
[[nodiscard]] const UnsupportedGunicornSetting* find_unsupported_gunicorn_setting(
    std::string_view name);

/// Where the migration page is, for messages.
inline constexpr std::string_view kGunicornMigrationDoc = "docs/gunicorn-migration.md";

}  // namespace paasrun::worker
