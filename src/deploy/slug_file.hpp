// Reading and rewriting text files of an imported slug without ever following a symlink.
//
// A slug archive is untrusted: its `app/.venv`, `app/.profile.d` or any directory under them
// may be a symlink to anywhere (`.venv -> /etc`). The path relocation (slug_import.hpp) reads
// and rewrites files under those directories, so every step from the slug's app dir down is
// opened with O_NOFOLLOW (static_files::open_beneath in walk mode, the static server's own
// opener): a file reached through a symlink is simply not a slug file, and nothing outside
// the slug is ever read, rewritten or removed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::deploy {

/// A small text file of a slug, with the directory it lives in held open.
struct SlugText {
    unique_fd dir;     // its directory (O_RDONLY: renameat / fsync)
    std::string name;  // its name in `dir`
    std::string text;
    mode_t mode = 0644;
};

/// Opens the slug's app dir for read_slug_text (O_DIRECTORY | O_NOFOLLOW).
[[nodiscard]] Result<unique_fd> open_slug_app(const std::filesystem::path& app_dir);

/// `rel` (relative to the app dir) when every directory on the way and the file itself are
/// not symlinks, and it is a regular text file (at most 4 MiB, no NUL in its first 8 KiB).
[[nodiscard]] std::optional<SlugText> read_slug_text(int app_fd, const std::filesystem::path& rel);

/// Whether `rel` is a real directory under the app dir (no symlink on the way).
[[nodiscard]] bool is_slug_dir(int app_fd, const std::filesystem::path& rel);

/// Replaces the file with `text` atomically in its directory (temp + fsync + renameat + fsync
/// of the directory), keeping its mode.
[[nodiscard]] Status rewrite_slug_text(const SlugText& f, std::string_view text);

/// Removes `__pycache__/<stem>.*.pyc` next to the file (no symlink followed).
void remove_compiled(const SlugText& f);

}  // namespace paasrun::deploy
