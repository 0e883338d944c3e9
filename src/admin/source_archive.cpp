#include "admin/source_archive.hpp"

#include <chrono>

#include <fmt/format.h>

#include "release/child_process.hpp"

namespace paasrun::admin {

Status pack_source_dir(const std::filesystem::path& dir, const std::filesystem::path& out,
                       const std::vector<std::string>& extra_excludes) {
    if (!std::filesystem::is_directory(dir)) return Error(fmt::format("{} is not a directory", dir.string()));
    release::ChildSpec spec;
    // --owner/--group 0 and sorted names: the same tree packs to the same members, and no
    // local user names travel to the server.
    spec.argv = {"/bin/tar", "-C", dir.string(), "--sort=name", "--owner=0", "--group=0", "--numeric-owner"};
    for (const auto& e : kSourceExcludes) spec.argv.push_back("--exclude=" + e);
    for (const auto& e : extra_excludes) spec.argv.push_back("--exclude=./" + e);
    spec.argv.insert(spec.argv.end(), {"-czf", out.string(), "."});
    spec.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
    spec.timeout = std::chrono::minutes(10);
    std::string errors;
    spec.on_line = [&](std::string_view l) { errors += fmt::format("\n    {}", l); };
    auto r = release::run_child(spec);
    if (!r) return std::move(r).error();
    if (!r->success()) return Error(fmt::format("tar of {} {}{}", dir.string(), r->describe(), errors));
    return {};
}

}  // namespace paasrun::admin
