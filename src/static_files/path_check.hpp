// Turning the part of a request path under a static prefix into a safe relative file path.
//
// Rules (docs/static.md, "Safety"), applied to the raw (still percent-encoded) remainder:
//   1. percent-decode exactly once (http::percent_decode); "%252e" stays the 3 bytes "%2e";
//   2. refuse a malformed escape, a decoded NUL or any control byte, and an encoded '/'
//      (%2F would let "..%2Fx" slip past a segment check done before decoding);
//   3. refuse any backslash (Windows separators, also when encoded as %5C);
//   4. split on '/': refuse empty segments ("a//b"), "." and "..", every other segment that
//      starts with '.' unless dotfiles are allowed, a segment shaped like a Windows drive
//      ("C:", "c:foo"), a segment longer than NAME_MAX and a path longer than kMaxPath;
//   5. a trailing '/' (or an empty remainder: the prefix itself) asks for a directory index.
// No normalisation happens: a path is either already canonical or refused. Bytes >= 0x80
// are passed through as they are (file names are bytes on Linux; an overlong UTF-8 form of
// '.' or '/' is just a name that does not exist, never a separator).
// Pure: no I/O. Openers still refuse symlinks that leave the root (safe_open.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace paasrun::static_files {

inline constexpr std::size_t kMaxPath = 4096;    // decoded bytes (PATH_MAX)
inline constexpr std::size_t kMaxSegment = 255;  // bytes per segment (NAME_MAX)

enum class PathVerdict : std::uint8_t {
    ok,
    malformed_escape,  // '%' not followed by two hex digits
    control_byte,      // NUL or another byte < 0x20, or DEL, after decoding
    encoded_slash,     // %2F / %2f
    backslash,         // '\' raw or encoded
    empty_segment,     // "//" inside the path
    dot_segment,       // "." or ".."
    dotfile,           // a segment starting with '.' (hidden unless allowed)
    drive_letter,      // "C:" shaped segment
    too_long,          // over kMaxPath, or a segment over kMaxSegment
};

/// Short lower_snake name for logs and tests.
[[nodiscard]] std::string_view describe(PathVerdict v) noexcept;

struct CheckedPath {
    PathVerdict verdict = PathVerdict::ok;
    std::string rel;           // decoded, relative, '/'-separated, no leading '/'; on ok only
    bool wants_index = false;  // ended with '/' or was empty: serve rel + "index.html"
};

/// Checks the remainder of a request path after its static prefix ("css/app.css" for
/// "/static/css/app.css" under "/static/").
[[nodiscard]] CheckedPath check_relative_path(std::string_view raw, bool allow_dotfiles);

}  // namespace paasrun::static_files
