// Precompressed siblings for static files: what `paasrun compress DIR` (and the build) runs.
//
// For every regular file under DIR whose media type is compressible (media_types.hpp), write
// NAME.gz (zlib, level 9, gzip framing with mtime 0: reproducible bytes) and NAME.br (brotli,
// quality 11), each kept only when it is at least 5% smaller than the original (whitenoise's
// rule: compressed/original <= 0.95). Skipped: already-compressed types (images, fonts in
// woff/woff2, archives, media), files that are themselves .gz/.br, symlinks (never followed,
// neither files nor directories), and names starting with '.' (never served by default).
//
// Idempotent: a sibling is written atomically (temp file + rename) with the original's
// mtime; a later run leaves a sibling whose mtime equals its original's alone, recompresses
// when the original changed, and removes a stale sibling that is no longer worth keeping
// (so a shrunken original can never be served with old compressed bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::static_files {

/// gzip member (RFC 1952) of `data` at zlib level 9; nullopt only if zlib fails.
[[nodiscard]] std::optional<std::string> gzip_compress(std::string_view data);
/// brotli stream (RFC 7932) of `data` at quality 11; `text` selects the text mode.
[[nodiscard]] std::optional<std::string> brotli_compress(std::string_view data, bool text);
/// whitenoise's rule: worth keeping when compressed <= 95% of the original (never for empty).
[[nodiscard]] bool worth_keeping(std::size_t original, std::size_t compressed) noexcept;

struct CompressOptions {
    bool gzip = true;
    bool brotli = true;
};

struct CompressReport {
    std::size_t files = 0;          // regular files looked at
    std::size_t written = 0;        // siblings written (new or refreshed)
    std::size_t up_to_date = 0;     // siblings left alone (same mtime as their original)
    std::size_t not_worth_it = 0;   // compressions dropped by the 5% rule
    std::size_t removed_stale = 0;  // old siblings deleted because no longer worth it
    std::size_t skipped = 0;        // not compressible, .gz/.br, dotfiles, symlinks
    std::vector<Error> errors;      // per-file problems; the walk goes on
};

/// Compresses the tree under `dir`. Fails only when `dir` is not a readable directory;
/// per-file errors are collected in the report. `on_write` (optional) is called with each
/// sibling path written, for the command's output.
[[nodiscard]] Result<CompressReport> compress_tree(
    const std::string& dir, const CompressOptions& options,
    const std::function<void(const std::string&)>& on_write = {});

}  // namespace paasrun::static_files
