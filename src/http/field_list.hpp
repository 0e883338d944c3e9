// The comma-separated list syntax of HTTP field values (RFC 9110 5.6.1), shared by the
// request parser (Connection, Transfer-Encoding) and the WebSocket handshake (Upgrade,
// Sec-WebSocket-Protocol).
#pragma once

#include <string_view>

#include "http/chars.hpp"

namespace paasrun::http {

/// Calls fn(element) for each non-empty element of a comma-separated list, OWS trimmed.
/// Empty elements are skipped (RFC 9110 5.6.1). Commas inside quoted strings are not special
/// here: use it only for lists of tokens.
template <typename Fn>
void for_each_list_element(std::string_view v, Fn&& fn) {
    while (!v.empty()) {
        auto comma = v.find(',');
        auto elem = v.substr(0, comma);
        while (!elem.empty() && chars::is_ows(elem.front())) elem.remove_prefix(1);
        while (!elem.empty() && chars::is_ows(elem.back())) elem.remove_suffix(1);
        if (!elem.empty()) fn(elem);
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
}

}  // namespace paasrun::http
