#include "config/data_dir.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace paasrun::config {

namespace fs = std::filesystem;

namespace {

fs::path normal(const fs::path& p) {
    auto n = p.lexically_normal();
    if (!n.has_filename() && n.has_parent_path() && n != n.root_path())
        n = n.parent_path();  // "/x/" -> "/x"
    return n;
}

}  // namespace

fs::path state_dir_for(const fs::path& app_dir) {
    if (const char* s = std::getenv("PAASRUN_STATE"); s && *s)
        return fs::absolute(s).lexically_normal();
    return (fs::absolute(app_dir) / ".paasrun").lexically_normal();
}

fs::path resolve_data_dir(const Manifest& m, const fs::path& app_dir, const fs::path& state_dir,
                          const EnvMap& env) {
    if (auto it = env.find("PAASRUN_DATA_DIR"); it != env.end() && !it->second.empty()) {
        fs::path p(it->second);
        return normal(p.is_absolute() ? p : fs::absolute(p));
    }
    auto app = app_dir.is_absolute() ? app_dir : fs::absolute(app_dir);
    if (!m.data_dir.empty()) return normal(app / m.data_dir);
    return normal((state_dir.is_absolute() ? state_dir : fs::absolute(state_dir)) / "data");
}

Status ensure_data_dir(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return {};
    if (dir.has_parent_path()) {
        fs::create_directories(dir.parent_path(), ec);
        if (ec)
            return Error(fmt::format("data dir {}: {}", dir.string(), ec.message()), {},
                         ec.value());
    }
    if (::mkdir(dir.c_str(), 0700) == -1 && errno != EEXIST)
        return sys_error("data dir {}", dir.string());
    if (!fs::is_directory(dir, ec))
        return Error(fmt::format("data dir {} exists and is not a directory", dir.string()));
    return {};
}

}  // namespace paasrun::config
