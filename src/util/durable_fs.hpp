// Crash-safe filesystem primitives: the release store, builds, the deploy engine's state and
// the admin API's instance files all write through these.
//
// A `kill -9` or a power cut at any instant must leave either the old or the new state, never
// a torn one. The rules used throughout:
//   - a file is written completely into a temporary name in the same directory, fsync'd,
//     renamed over its final name (rename(2) is atomic within a filesystem), and the
//     directory is fsync'd so the rename itself survives a power cut;
//   - a directory tree is built under a temporary name, every file and directory in it is
//     fsync'd, then it is renamed into place;
//   - a pointer (the `current` symlink) is replaced by creating a new symlink under a
//     temporary name and renaming it over the old one: readers see the old or the new
//     target, never a missing link;
//   - append-only logs are written with O_APPEND, one line per write(2), then fsync'd; a
//     reader ignores a torn last line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/read_file.hpp"
#include "util/result.hpp"

namespace paasrun {

/// fsync(2) of a file or directory. Errors name the path.
[[nodiscard]] Status fsync_path(const std::filesystem::path& path);

/// Writes `data` to `path` atomically (temp file + fsync + rename + fsync of the directory).
/// `mode` applies to the new file (0600 for files holding secrets).
[[nodiscard]] Status write_file_atomic(const std::filesystem::path& path, std::string_view data,
                                       int mode = 0644);

/// fsyncs every regular file and directory under `root` (and root itself).
[[nodiscard]] Status fsync_tree(const std::filesystem::path& root);

/// Points the symlink `link` at `target` atomically (new symlink + rename over the old one).
/// With a `pause_tag`, the test pause points `<tag>:after-link` (the new link exists under
/// its temporary name) and `<tag>:after-rename` (renamed, directory not yet fsync'd) are
/// offered (test_hooks.hpp), so crash tests can kill between the steps.
[[nodiscard]] Status replace_symlink(const std::filesystem::path& link,
                                     const std::filesystem::path& target,
                                     std::string_view pause_tag = {});

/// Appends one line (a '\n' is added) with a single write(2) on an O_APPEND fd, then fsyncs.
[[nodiscard]] Status append_line_durable(const std::filesystem::path& path, std::string_view line,
                                         int mode = 0644);

/// Removes a tree; a missing tree is not an error.
[[nodiscard]] Status remove_tree(const std::filesystem::path& path);

/// A short random hex string for temporary names (not security-sensitive).
[[nodiscard]] std::string random_suffix();

/// Adds "the disk holding <dir> is full" when `err` is ENOSPC/EDQUOT, so every layer words a
/// full disk the same way.
[[nodiscard]] Error explain_disk_error(Error err, const std::filesystem::path& dir);

}  // namespace paasrun
