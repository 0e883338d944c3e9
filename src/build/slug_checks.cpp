#include "build/slug_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

namespace paasrun::build {

namespace fs = std::filesystem;

Status check_write_paths(const fs::path& build_dir) {
    std::error_code ec;
    auto p = build_dir / ".profile.d";
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return {};
    return Error(fmt::format(
        ".profile.d in the source is a symlink (to {}): buildpacks write their start-up scripts "
        "there, and the build never writes through a symlink; make it a directory",
        fs::read_symlink(p, ec).string()));
}

Status check_static_inside(const fs::path& build_dir, const std::vector<std::string>& dirs) {
    std::error_code ec;
    auto root = fs::canonical(build_dir, ec);
    if (ec)
        return Error(fmt::format("resolve {}: {}", build_dir.string(), ec.message()), {},
                     ec.value());
    for (const auto& d : dirs) {
        auto p = build_dir / d;
        if (!fs::exists(fs::symlink_status(p, ec))) continue;
        auto real = fs::canonical(p, ec);
        if (ec) continue;  // a dangling symlink serves nothing; the build reports it missing
        auto [end, _] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
        if (end != root.end())
            return Error(fmt::format(
                "static dir {} resolves to {}, outside the app: static files are served to "
                "everyone, so a static dir must be inside the app (a symlink or '..' that "
                "leads out is refused)",
                d, real.string()));
    }
    return {};
}

}  // namespace paasrun::build
