// What `paasrun up` / `paasrun start` (and the admin API) need to run the current release.
//
//   auto cur = release::current_release(release::resolve_state_dir(app_dir));
//   if (!cur) fail(cur.error());                  // unreadable store
//   if (!*cur) ...                                // nothing released yet: build first
//   (*cur)->app_dir        cwd of every process (the slug's app tree)
//   (*cur)->release        config vars, process types, release command
//   the processes' env: config/app_env.hpp (the one environment merge), from (*cur)->release
//   release::profile_wrapped_argv(command)        argv that sources .profile.d, then runs it
//
// Lock-free and read-only: it follows the `current` symlink once and reads that release, so
// it never sees a half-written release even while a build or deploy is running.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "release/release.hpp"
#include "util/result.hpp"

namespace paasrun::release {

struct CurrentRelease {
    int version = 0;
    Release release;
    SlugMeta slug;
    std::filesystem::path state_dir;
    std::filesystem::path app_dir;  // <state>/slugs/<id>/app
};

/// The current release, std::nullopt when there is none, or an Error when the store is
/// unreadable or the current release has no slug (a config-only release: build first).
[[nodiscard]] Result<std::optional<CurrentRelease>> current_release(
    const std::filesystem::path& state_dir);

}  // namespace paasrun::release
