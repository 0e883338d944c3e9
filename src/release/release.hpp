// A release `vN` = a slug + config vars + process types (Heroku's model), and a slug's
// metadata. Both are stored as JSON (release.json, slug.json); these functions are pure so
// the round trip is tested with strings.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace paasrun::release {

/// Config vars: name -> value. Values are secrets: never logged, printed only on --reveal.
using ConfigVars = std::map<std::string, std::string>;

/// Process types in declaration order (Procfile order, then buildpack defaults).
using ProcessTypes = std::vector<std::pair<std::string, std::string>>;

struct BuildpackInfo {
    std::string name;     // what bin/detect printed (e.g. "Python")
    std::string source;   // where it came from: "bundled:python", or a path
    std::string version;  // VERSION / buildpack.toml version, else a digest of bin/
};

/// slug.json: written last into a slug dir; a slug dir without it is an unfinished build.
struct SlugMeta {
    std::string id;           // directory name under slugs/
    std::string source_hash;  // sha256 of the source tree (src/build/source_hash)
    std::string created_at;   // RFC 3339 UTC
    double build_seconds = 0;
    std::vector<BuildpackInfo> buildpacks;
    std::string python_version;          // from .venv/pyvenv.cfg; empty without a venv
    ProcessTypes default_process_types;  // from the buildpacks' bin/release
    ConfigVars default_config_vars;      // from bin/release; config vars set by the user win
    std::string paasrun_version;
};

/// Why a release exists (Heroku's "Change" column).
enum class ReleaseKind { build, config, rollback };

struct Release {
    int version = 0;  // N of vN
    ReleaseKind kind = ReleaseKind::build;
    std::string description;  // "Deploy 1a2b3c4d", "Set FOO", "Rollback to v3", "Redeploy of v3"
    std::string created_at;   // RFC 3339 UTC
    std::string slug_id;
    std::string source_hash;
    ConfigVars config_vars;       // as set by the user (buildpack defaults not merged)
    ProcessTypes process_types;   // Procfile, else buildpack defaults
    std::string release_command;  // Procfile `release:`; empty: no release phase
    int rollback_of = 0;          // for kind == rollback: the vN copied
    /// For kind == rollback: vN was the current release when it was copied (a redeploy:
    /// same slug and config, the processes restarted). The kind stays `rollback` on disk and
    /// in the API, so older readers and clients see what they always saw.
    bool redeploy = false;
};

[[nodiscard]] std::string_view to_string(ReleaseKind kind);

/// JSON text (pretty, stable key order). Pure.
[[nodiscard]] std::string release_to_json(const Release& r);
/// Parses release.json text; `file` labels errors. Pure.
[[nodiscard]] Result<Release> parse_release_json(std::string_view text,
                                                 std::string_view file = "release.json");

[[nodiscard]] std::string slug_meta_to_json(const SlugMeta& m);
[[nodiscard]] Result<SlugMeta> parse_slug_meta_json(std::string_view text,
                                                    std::string_view file = "slug.json");

/// "v12" -> 12; anything else is an error. Accepts a bare "12" too.
[[nodiscard]] Result<int> parse_version(std::string_view text);

/// The current UTC time as RFC 3339 with seconds ("2026-11-22T10:00:00Z").
[[nodiscard]] std::string now_rfc3339();

}  // namespace paasrun::release
