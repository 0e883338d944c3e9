#include "release/current.hpp"

#include <fmt/format.h>

#include "release/store.hpp"

namespace paasrun::release {

Result<std::optional<CurrentRelease>> current_release(const std::filesystem::path& state_dir) {
    ReleaseStore store(state_dir);
    auto v = store.current_version();
    if (!v) return std::move(v).error();
    if (*v == 0) return std::optional<CurrentRelease>{};
    auto r = store.load(*v);
    if (!r) return std::move(r).error();
    if (r->slug_id.empty())
        return Error(fmt::format(
            "the current release v{} has config vars but no slug yet: run `paasrun build`", *v));
    auto slug = store.load_slug(r->slug_id);
    if (!slug) return std::move(slug).error();
    CurrentRelease cur;
    cur.version = *v;
    cur.app_dir = store.slug_app_dir(r->slug_id);
    cur.release = std::move(*r);
    cur.slug = std::move(*slug);
    cur.state_dir = state_dir;
    return std::optional<CurrentRelease>{std::move(cur)};
}

}  // namespace paasrun::release
