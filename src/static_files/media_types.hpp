// Content-Type by file extension, and which types are worth compressing.
//
// The table covers what web apps ship (scripts, styles, markup, images, fonts, media, data,
// archives): the union of nginx's mime.types and whitenoise's media_types, with the current
// IANA names where they changed (RFC 9239: JavaScript is text/javascript; RFC 8081: fonts
// are font/*). Text types get "; charset=utf-8" (what whitenoise sends and what browsers
// assume for modern assets). Unknown extensions are application/octet-stream, never guessed
// from the content (no sniffing, so an uploaded .txt cannot become HTML).
#pragma once

#include <string_view>

namespace paasrun::static_files {

struct MediaType {
    std::string_view type;      // "text/css"
    bool text = false;          // Content-Type gets "; charset=utf-8"
    bool compressible = false;  // `paasrun compress` writes .gz/.br siblings for it
};

/// The media type of a file name, looked up by its last extension (ASCII case-insensitive).
/// A few whole names are known too (e.g. "apple-app-site-association"). Pure.
[[nodiscard]] MediaType media_type_for(std::string_view file_name) noexcept;

/// The Content-Type field value for a file name: the type, plus "; charset=utf-8" for text.
[[nodiscard]] std::string_view content_type_for(std::string_view file_name) noexcept;

/// For tests: the table is sorted by extension without duplicates (the lookup relies on it).
[[nodiscard]] bool media_table_is_sorted() noexcept;

}  // namespace paasrun::static_files
