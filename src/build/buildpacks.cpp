#include "build/buildpacks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "build/sha256.hpp"
#include "config/text_file.hpp"
#include "util/strings.hpp"

namespace paasrun::build {

namespace {

std::string first_line(const std::string& text) {
    return std::string(trim(text.substr(0, text.find('\n'))));
}

}  // namespace

std::vector<std::string> parse_buildpacks_file(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        out.emplace_back(line);
    }
    return out;
}

Result<fs::path> bundled_buildpacks_dir() {
    if (const char* env = std::getenv("PAASRUN_BUILDPACKS"); env && *env) {
        if (!fs::is_directory(env))
            return Error(fmt::format("PAASRUN_BUILDPACKS={} is not a directory", env));
        return fs::absolute(env);
    }
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return Error(fmt::format("cannot locate the paasrun executable: {}", ec.message()));
    auto dir = exe.parent_path();
    for (const auto& candidate :
         {dir / "../share/paasrun/buildpacks", dir / "../buildpacks", dir / "../../buildpacks"})
        if (fs::is_directory(candidate / "python")) return fs::weakly_canonical(candidate);
    return Error(fmt::format(
        "the bundled buildpacks were not found next to {} (set PAASRUN_BUILDPACKS)", exe.string()));
}

Result<Buildpack> resolve_buildpack(std::string_view entry, const fs::path& app_dir,
                                    const fs::path& bundled_dir) {
    std::string e(entry);
    if (e.find("://") != std::string::npos || e.rfind("git@", 0) == 0)
        return Error(fmt::format(
            "buildpack \"{}\": URLs are not supported (builds run offline); vendor the buildpack "
            "and give its path",
            e));
    std::string name = e;
    for (std::string_view prefix : {"heroku/", "paasrun/"})
        if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    bool looks_like_path = e.find('/') != std::string::npos && name.find('/') != std::string::npos;
    if (!looks_like_path && !bundled_dir.empty() && fs::is_directory(bundled_dir / name))
        return Buildpack{"bundled:" + name, bundled_dir / name,
                         buildpack_version(bundled_dir / name)};
    fs::path p = fs::path(e).is_absolute() ? fs::path(e) : app_dir / e;
    if (!fs::is_directory(p))
        return Error(fmt::format(
            "buildpack \"{}\": no bundled buildpack has this name and {} is not a directory", e,
            p.string()));
    p = fs::weakly_canonical(p);
    return Buildpack{p.string(), p, buildpack_version(p)};
}

Result<std::vector<Buildpack>> explicit_buildpacks(const std::vector<std::string>& manifest_list,
                                                   const fs::path& app_dir) {
    std::vector<std::string> entries = manifest_list;
    std::string origin = "paasrun.yaml build.buildpacks";
    if (entries.empty()) {
        auto text = config::read_optional_text_file((app_dir / ".buildpacks").string());
        if (!text) return std::move(text).error();
        if (text->has_value()) entries = parse_buildpacks_file(**text);
        origin = ".buildpacks";
    }
    std::vector<Buildpack> out;
    if (entries.empty()) return out;
    auto bundled = bundled_buildpacks_dir();
    fs::path bundled_dir = bundled ? *bundled : fs::path{};
    for (const auto& e : entries) {
        auto bp = resolve_buildpack(e, app_dir, bundled_dir);
        if (!bp) return Error(fmt::format("{}: {}", origin, bp.error().message));
        out.push_back(std::move(*bp));
    }
    return out;
}

Result<std::vector<Buildpack>> bundled_buildpacks() {
    auto dir = bundled_buildpacks_dir();
    if (!dir) return std::move(dir).error();
    std::vector<Buildpack> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(*dir, ec))
        if (e.is_directory())
            out.push_back(
                {"bundled:" + e.path().filename().string(), e.path(), buildpack_version(e.path())});
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.source < b.source; });
    return out;
}

std::string buildpack_version(const fs::path& dir) {
    if (auto v = config::read_optional_text_file((dir / "VERSION").string()); v && v->has_value())
        if (auto line = first_line(**v); !line.empty()) return line;
    if (auto t = config::read_optional_text_file((dir / "buildpack.toml").string());
        t && t->has_value()) {
        std::string_view text = **t;
        // A one-line scan for `version = "x"` (TOML); the file's other tables are irrelevant here.
        for (auto pos = text.find("version"); pos != std::string_view::npos;
             pos = text.find("version", pos + 1)) {
            if (pos > 0 && text[pos - 1] != '\n' &&
                !std::isspace(static_cast<unsigned char>(text[pos - 1])))
                continue;
            auto rest = text.substr(pos + 7);
            auto eol = rest.find('\n');
            auto line = trim(rest.substr(0, eol));
            if (line.empty() || line.front() != '=') continue;
            line = trim(line.substr(1));
            if (line.size() >= 2 && line.front() == '"' && line.back() == '"')
                return std::string(line.substr(1, line.size() - 2));
        }
    }
    Sha256 h;
    for (const char* script : {"bin/detect", "bin/compile", "bin/release"})
        if (auto text = config::read_optional_text_file((dir / script).string());
            text && text->has_value())
            h.update(**text);
    return "sha256:" + h.hex_digest().substr(0, 12);
}

Status check_buildpack(const Buildpack& bp) {
    for (const char* script : {"bin/detect", "bin/compile", "bin/release"}) {
        auto p = bp.dir / script;
        bool required = std::string_view(script) != "bin/release";
        if (!fs::exists(p)) {
            if (!required) continue;
            return Error(fmt::format(
                "buildpack {}: {} is missing (a buildpack needs bin/detect and bin/compile)",
                bp.source, p.string()));
        }
        if (::access(p.c_str(), X_OK) == -1)
            return Error(fmt::format("buildpack {}: {} is not executable (chmod +x {})", bp.source,
                                     p.string(), p.string()),
                         {}, errno);
    }
    return {};
}

}  // namespace paasrun::build
