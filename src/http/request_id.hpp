// X-Request-Id: keep the client's (or the router's) id when it is sane, else make one.
//
// Validation follows Heroku's router rule, so ids survive a hop through Heroku unchanged:
// 20 to 200 characters of [A-Za-z0-9+/=-]. Anything else is replaced, never echoed (it goes
// into logs and response headers, so it must not carry spaces, quotes or control bytes).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace paasrun::http {

inline constexpr std::size_t kRequestIdMin = 20;
inline constexpr std::size_t kRequestIdMax = 200;
inline constexpr std::size_t kGeneratedIdSize = 32;  // 128 random bits as lowercase hex

[[nodiscard]] bool is_valid_request_id(std::string_view id) noexcept;

/// 32 lowercase hex characters from a per-thread generator seeded from std::random_device.
/// Unique enough for correlating logs; not a secret and not for security decisions.
void generate_request_id(std::array<char, kGeneratedIdSize>& out);
[[nodiscard]] std::string generate_request_id();

/// The client's id when valid, else a fresh one.
[[nodiscard]] std::string request_id_for(std::string_view client_id);

/// Echo the request's id on a response, as Heroku's router does: appends `X-Request-Id: id`
/// to `headers` unless `id` is empty or the app set an X-Request-Id of its own. `headers`
/// views `id`, which must outlive its use.
void echo_request_id(std::vector<Header>& headers, std::string_view id);

}  // namespace paasrun::http
