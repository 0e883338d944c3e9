#include "deploy/release_settings.hpp"

#include <fmt/format.h>

#include "config/app_json.hpp"
#include "config/text_file.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

Result<std::optional<config::Manifest>> load_release_manifest(const fs::path& app_dir) {
    auto file = app_dir / "paasrun.yaml";
    auto text = config::read_optional_text_file(file.string());
    if (!text)
        return Error(
            fmt::format("cannot read the release's paasrun.yaml: {}", text.error().describe()));
    if (!text->has_value()) return std::optional<config::Manifest>{};
    auto m = config::parse_manifest(**text, file.string());
    if (!m)
        return Error(
            fmt::format("the release's paasrun.yaml is invalid: {}", m.error().describe()));
    // Its app.json fills what the paasrun.yaml leaves unset (config/app_json.hpp).
    if (auto merged = config::merge_app_json(*m, app_dir.string()); !merged)
        return Error(
            fmt::format("the release's app.json is invalid: {}", merged.error().describe()));
    return std::optional<config::Manifest>{std::move(*m)};
}

ReleaseSettings settings_of(const config::Manifest& manifest) {
    ReleaseSettings s;
    s.health = manifest.health;
    s.deploy = manifest.deploy;
    s.release_timeout = manifest.release_timeout;
    s.env = manifest.env;
    return s;
}

Result<ReleaseSettings> release_settings(const fs::path& app_dir,
                                         const config::Manifest& fallback) {
    auto own = load_release_manifest(app_dir);
    if (!own) return std::move(own).error();
    if (!*own) {
        auto s = settings_of(fallback);
        s.env.clear();
        // No paasrun.yaml: the release's app.json can still name its health check.
        config::Manifest from_app_json;
        from_app_json.health = s.health;
        if (auto merged = config::merge_app_json(from_app_json, app_dir.string()); !merged)
            return Error(
                fmt::format("the release's app.json is invalid: {}", merged.error().describe()));
        s.health = from_app_json.health;
        return s;
    }
    auto s = settings_of(**own);
    s.file = app_dir / "paasrun.yaml";
    return s;
}

}  // namespace paasrun::deploy
