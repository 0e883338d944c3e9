// A chunked response's trailer section (RFC 9112 7.1.2, RFC 9110 6.5), for the ASGI
// `http.response.trailers` extension (docs/asgi.md "Responses"). Pure.
//
//   last-chunk     = "0" CRLF
//   trailer-section = *( field-line CRLF )
//   then CRLF
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace paasrun::http {

/// The last chunk with an empty trailer section: what ends a chunked body without trailers.
inline constexpr std::string_view kLastChunkLine = "0\r\n";

/// Whether the client said it accepts trailer fields: a `TE` field listing `trailers`
/// (RFC 9110 10.1.4). The ASGI extension sends trailers only then.
[[nodiscard]] bool accepts_trailers(const Request& request);

/// Appends "name: value\r\n" for each field whose name is a token and whose value holds no
/// CR, LF, NUL or other control byte but HTAB; the others are skipped and counted in the
/// return value (they cannot be sent, and the head is long gone: the app gets no error).
[[nodiscard]] std::size_t append_trailer_fields(std::span<const Header> fields, std::string& out);

}  // namespace paasrun::http
