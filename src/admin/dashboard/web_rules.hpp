// The dashboard's browser-facing rules as pure functions: the session cookie (reading and
// setting it), the CSRF and same-origin check for state-changing requests, and the
// security headers every dashboard response carries. docs/dashboard.md#security explains
// each choice.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/api_types.hpp"

namespace paasrun::admin::dashboard {

inline constexpr std::string_view kCookieName = "paasrun_session";

/// The value of cookie `name` in a Cookie header ("a=1; paasrun_session=abc"), or nullopt.
[[nodiscard]] std::optional<std::string_view> cookie_value(std::string_view cookie_header,
                                                           std::string_view name);

/// Whether the request reached the proxy in front of paasrun over TLS: X-Forwarded-Proto's
/// first value is "https". Trusting it is safe here because it can only add `Secure` to the
/// cookie, which makes the cookie harder to send, never easier.
[[nodiscard]] bool forwarded_https(std::string_view forwarded_proto);

/// Set-Cookie for a new session: HttpOnly (no script reads it), SameSite=Strict (no other
/// site's page sends it), Path=/, Max-Age, and Secure when `secure`.
[[nodiscard]] std::string session_cookie(std::string_view id, std::chrono::seconds max_age,
                                         bool secure);
/// Set-Cookie that deletes the session cookie (logout).
[[nodiscard]] std::string clear_session_cookie(bool secure);

/// GET and HEAD change nothing; every other method does.
[[nodiscard]] bool state_changing(std::string_view method);

/// The same-origin part of the CSRF defence: Sec-Fetch-Site, when sent, must be same-origin
/// (or none: typed by the user); Origin, when sent, must name the Host the request was sent
/// to (scheme ignored: a TLS proxy in front changes it). Browsers send Origin with every
/// fetch that is not a GET, so a cross-site form or fetch is refused even before its CSRF
/// token is looked at.
[[nodiscard]] bool same_origin(const ApiRequest& r);

/// The headers of every dashboard response: a strict Content-Security-Policy (scripts,
/// styles and connections only from this origin; no inline script, no framing, no plugins),
/// X-Frame-Options DENY, nosniff, no referrer (a login link's ticket never leaks), and
/// Cache-Control (`no-store` for pages, which hold the CSRF token).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> security_headers(bool page);

/// `s` with &, <, >, " and ' replaced by entities, for text put into a page.
[[nodiscard]] std::string html_escape(std::string_view s);

}  // namespace paasrun::admin::dashboard
