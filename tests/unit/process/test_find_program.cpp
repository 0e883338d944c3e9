// process::find_program: the shell's PATH rule (first executable regular file wins; a name
// with a '/' is taken as is; directories and non-executable files are skipped).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "process/find_program.hpp"
#include "support/temp_dir.hpp"

using paasrun::process::find_program;
using paasrun::testing::TempDir;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, fs::perms mode) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "#!/bin/sh\n";
    fs::permissions(p, mode);
}

}  // namespace

TEST_CASE("find_program: the first executable file on PATH", "[process][find_program]") {
    TempDir tmp;
    auto a = tmp.path / "a", b = tmp.path / "b", c = tmp.path / "c";
    write_file(a / "opener", fs::perms::owner_read | fs::perms::owner_write);  // not executable
    fs::create_directories(b / "opener");                                      // a directory
    write_file(c / "opener", fs::perms::owner_all);
    write_file(tmp.path / "d" / "opener", fs::perms::owner_all);
    std::string path =
        a.string() + ":" + b.string() + ":" + c.string() + ":" + (tmp.path / "d").string();
    CHECK(find_program("opener", path) == (c / "opener").string());
    CHECK_FALSE(find_program("opener", a.string() + ":" + b.string()));
    CHECK_FALSE(find_program("opener", ""));
    CHECK_FALSE(find_program("", path));
    CHECK_FALSE(find_program("missing", path));
    // A name with a slash is not searched for.
    CHECK(find_program((c / "opener").string(), "") == (c / "opener").string());
    CHECK_FALSE(find_program((a / "opener").string(), path));
}
