// Bearer-token authentication for the admin API (RFC 6750).
//
// The token comes from ServerOptions::token, else $PAASRUN_ADMIN_TOKEN, else the file
// <state_dir>/admin-token (mode 0600), created atomically (link(2), which fails if it exists:
// O_EXCL's semantics without a window where the file is empty) from 32 bytes of OpenSSL's
// RAND_bytes (64 hex digits) the first time. It is compared in constant time (CRYPTO_memcmp),
// and only accepted in the Authorization header: a token in the query string ends up in proxy
// and shell logs, so it is refused (400) even when it is right.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::admin {

struct ResolvedToken {
    std::string token;
    std::string source;  // "options", "env" or "file:<path>"; never the token itself
};

/// Picks the token as described above. `env_token` is $PAASRUN_ADMIN_TOKEN (nullptr: unset).
/// Errors: a token with characters outside RFC 6750's b64token set, an unreadable token file,
/// one readable by group or others (chmod 600 fixes it), or an empty one.
[[nodiscard]] Result<ResolvedToken> resolve_token(std::string_view option_token,
                                                  const char* env_token,
                                                  const std::filesystem::path& state_dir);

/// Reads <state_dir>/admin-token, creating it (mode 0600) when absent. Two processes
/// racing to create it end up with the same token: the loser reads the winner's file.
[[nodiscard]] Result<std::string> read_or_create_token_file(const std::filesystem::path& file);

/// `bytes` bytes from OpenSSL's CSPRNG (seeded from getrandom(2)), as lowercase hex: the
/// token, and the dashboard's session ids, CSRF tokens and login tickets.
[[nodiscard]] Result<std::string> random_hex(std::size_t bytes);

/// RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
[[nodiscard]] bool valid_token_syntax(std::string_view token);

/// Equality whose running time depends only on the length of `given` (public: the caller
/// sent it), never on where `given` and `expected` first differ or on `expected`'s content.
[[nodiscard]] bool constant_time_equals(std::string_view given, std::string_view expected);

enum class AuthResult { ok, missing, malformed, wrong };

/// Checks an Authorization header value ("Bearer <token>", scheme case-insensitive).
[[nodiscard]] AuthResult check_bearer(std::string_view authorization, std::string_view expected);

/// True when the query string carries a credential (`token` or `access_token`, RFC 6750 2.3).
[[nodiscard]] bool query_has_token(const std::multimap<std::string, std::string>& query);

}  // namespace paasrun::admin
