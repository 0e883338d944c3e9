// The app's source tree as a build sees it: which files belong to it, its content hash
// (the "source hash" of slugs and releases), a cheap stat fingerprint for the fast
// "unchanged since the last build?" check, and copying it into a build dir.
//
// Excluded everywhere: `.git`, `.hg`, `.svn` (VCS data is not source), `__pycache__`
// (written by running the app; it must not make the app look changed), and at the top level
// `.paasrun` and `.venv` (paasrun's state and a developer's local venv, rebuilt by the
// buildpack) and `.env` (local configuration: `up` reads it in place, it never travels or
// goes into a slug, and editing it alone does not rebuild), plus the state dir and the data
// dir when they live inside the app dir (`also_exclude`). Then, by use:
//   SourceUse::slug    the patterns of the top-level `.slugignore` (Heroku: removed before
//                      the build), so they are neither in the slug nor in its source hash;
//   SourceUse::upload  the patterns of the top-level `.gitignore` (`paasrun deploy DIR`
//                      sends what `git push` would); the server applies `.slugignore`.
// Pattern syntax: ignore_rules.hpp.
//
// The hash covers each entry's relative path, type, executable bit, and content (or symlink
// target), in byte order of paths: renaming, chmod +x or editing a file changes it; touching
// a file does not.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::build {

namespace fs = std::filesystem;

/// True when an entry with this name is excluded (`top_level`: directly under the app dir).
[[nodiscard]] bool is_excluded_name(std::string_view name, bool top_level);

enum class SourceUse { slug, upload };

struct SourceEntry {
    fs::path rel;        // relative to the app dir
    fs::file_type type;  // regular, directory or symlink (others are skipped)
    fs::perms perms;
    std::uintmax_t size = 0;
    long long mtime_ns = 0;
};

/// Every entry of the tree, sorted by relative path. `also_exclude` holds absolute paths to
/// skip (the state and data dirs when inside the app).
[[nodiscard]] Result<std::vector<SourceEntry>> list_source(
    const fs::path& app_dir, const std::vector<fs::path>& also_exclude = {},
    SourceUse use = SourceUse::slug);

/// sha256 of the tree's content (see above). Reads every file.
[[nodiscard]] Result<std::string> source_hash(const fs::path& app_dir,
                                              const std::vector<SourceEntry>& entries);

/// sha256 of paths, sizes, modes and mtimes only: equal fingerprints mean the tree was not
/// touched; different ones mean "hash the content to find out".
[[nodiscard]] std::string stat_fingerprint(const std::vector<SourceEntry>& entries);

/// Copies the listed entries into `dest` (which exists), preserving modes and symlinks.
[[nodiscard]] Status copy_source(const fs::path& app_dir, const std::vector<SourceEntry>& entries,
                                 const fs::path& dest);

}  // namespace paasrun::build
