// Turning an unpacked deploy archive into something to release.
//
// A slug archive (`paasrun build --output`) has slug.json, packages.txt and app/ at its top
// level; anything else is a source tree. A source tree whose top level is a single directory
// (as `tar czf app.tgz myapp/` or `git archive --prefix=myapp/` make) is that directory.
//
// Importing a slug moves app/ into a new slug dir of the store and commits it with the
// archive's metadata (new id). A virtualenv holds absolute paths to where it was built, so
// the old app dir is rewritten to the new one (the buildpack's own cache relocation does the
// same) in these text files, and no others:
//
//   app/.venv/bin/*, app/.venv/pyvenv.cfg   `#!<old>/.venv/bin/python` shebangs, activate
//   app/.profile.d/*                        VIRTUAL_ENV, PATH
//   app/.venv/lib/python*/site-packages/    pip editable installs (`pip install -e .`):
//     *.pth, *.egg-link                     the source dirs put on sys.path
//     __editable___*_finder.py              setuptools' MAPPING of package -> source dir
//     *.dist-info/direct_url.json           "url": "file:///<old>" (percent-encoded)
//
// Other site-packages files (package data, RECORD) are never rewritten. Only whole paths are
// replaced: "/old/app" in "/old/app2" or "/x/old/app" is left alone. Files are rewritten
// atomically with their modes kept; a rewritten finder's __pycache__/*.pyc is removed.
//
// The archive is not trusted: an `app/.venv` or `app/.profile.d` that is a symlink refuses
// the import, and every file is read and rewritten with no symlink followed on its way
// (slug_file.hpp), so nothing outside the slug is ever read, rewritten or removed.
#pragma once

#include <filesystem>
#include <string>

#include "release/store.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// True when `dir` (an unpacked archive) is a slug archive.
[[nodiscard]] bool is_slug_archive(const std::filesystem::path& dir);

/// The source root of an unpacked source archive (see above).
[[nodiscard]] std::filesystem::path source_root(const std::filesystem::path& dir);

/// The app dir a slug's venv was built for, read from its .venv/bin shebangs ("" if none).
[[nodiscard]] std::string built_app_dir(const std::filesystem::path& app_dir);

/// Replaces every whole-path occurrence of `from` by `to` in the text files listed above;
/// returns how many files changed.
[[nodiscard]] Result<int> relocate_app_paths(const std::filesystem::path& app_dir,
                                             const std::string& from, const std::string& to);

/// Imports the unpacked slug archive `dir` into `store` (lock held); returns its metadata.
[[nodiscard]] Result<release::SlugMeta> import_slug(const release::ReleaseStore& store,
                                                    const std::filesystem::path& dir);

}  // namespace paasrun::deploy
