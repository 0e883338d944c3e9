#include "admin/source_archive.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>

#include "release/child_process.hpp"
#include "util/durable_fs.hpp"

namespace paasrun::admin {

Status pack_source_dir(const std::filesystem::path& dir, const std::filesystem::path& out,
                       const std::vector<std::string>& members) {
    if (!std::filesystem::is_directory(dir))
        return Error(fmt::format("{} is not a directory", dir.string()));
    // The member list goes to tar as a NUL-separated file: any byte but NUL is fine in a name.
    std::string list;
    list += "./";
    list.push_back('\0');  // the top dir itself, so the archive's "." entry keeps its mode
    for (const auto& m : members) {
        list += "./" + m;
        list.push_back('\0');
    }
    auto list_path = out;
    list_path += ".members";
    if (auto s = paasrun::write_file_atomic(list_path, list, 0600); !s) return s;
    release::ChildSpec spec;
    // --owner/--group 0 and sorted names: the same tree packs to the same members, and no
    // local user names travel to the server.
    spec.argv = {"/bin/tar",  "-C",        dir.string(),       "--sort=name",
                 "--owner=0", "--group=0", "--numeric-owner",  "--no-recursion",
                 "--null",    "-T",        list_path.string(), "-czf",
                 out.string()};
    spec.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
    spec.timeout = std::chrono::minutes(10);
    std::string errors;
    spec.on_line = [&](std::string_view l) { errors += fmt::format("\n    {}", l); };
    auto r = release::run_child(spec);
    ::unlink(list_path.c_str());
    if (!r) return std::move(r).error();
    if (!r->success())
        return Error(fmt::format("tar of {} {}{}", dir.string(), r->describe(), errors));
    return {};
}

}  // namespace paasrun::admin
