#include "process/find_program.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace paasrun::process {

namespace {

// access(X_OK) applies the permission bits the way exec will for this user; stat tells a
// directory (which access also calls executable) from a file.
bool executable_file(const std::string& p) {
    struct stat st {};
    return ::access(p.c_str(), X_OK) == 0 && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::optional<std::string> find_program(std::string_view name, std::string_view path) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string_view::npos) {
        std::string p(name);
        return executable_file(p) ? std::optional<std::string>(p) : std::nullopt;
    }
    for (;;) {
        auto colon = path.find(':');
        auto dir = path.substr(0, colon);
        std::string candidate =
            dir.empty() ? std::string(name) : std::string(dir) + "/" + std::string(name);
        if (executable_file(candidate)) return candidate;
        if (colon == std::string_view::npos) return std::nullopt;
        path.remove_prefix(colon + 1);
    }
}

}  // namespace paasrun::process
