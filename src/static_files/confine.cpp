#include "static_files/confine.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <system_error>

namespace paasrun::static_files {

bool path_within(const std::string& base, const std::string& path) {
    if (base == "/") return !path.empty() && path.front() == '/';
    if (path.compare(0, base.size(), base) != 0) return false;
    return path.size() == base.size() || path[base.size()] == '/';
}

Status confine_relative_mount(int dir_fd, const std::string& prefix, const std::string& dir) {
    if (!dir.empty() && dir.front() == '/') return {};
    std::error_code ec;
    // The directory actually opened (after every symlink), not a second lookup of its name.
    auto real = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", dir_fd), ec);
    if (ec)
        return Error(
            fmt::format("static {}: cannot tell where {} leads: {}", prefix, dir, ec.message()));
    auto cwd = std::filesystem::canonical(std::filesystem::current_path(ec), ec);
    if (ec)
        return Error(fmt::format("static {}: cannot resolve the current directory: {}", prefix,
                                 ec.message()));
    if (path_within(cwd.string(), real.string())) return {};
    return Error(fmt::format(
        "static {}: directory {} resolves to {}, outside the app directory {} (a symlink or "
        "'..' leads out); refusing to serve it. Give an absolute path to serve a directory "
        "outside the app on purpose",
        prefix, dir, real.string(), cwd.string()));
}

}  // namespace paasrun::static_files
