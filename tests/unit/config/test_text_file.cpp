#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/text_file.hpp"

using namespace paasrun;
using namespace paasrun::config;
namespace fs = std::filesystem;

TEST_CASE("text_file: reads a file whole, missing is nullopt", "[config][text_file]") {
    auto good = read_text_file(PAASRUN_FIXTURES "/config/good/Procfile");
    REQUIRE(good);
    CHECK(good->rfind("# A complete", 0) == 0);

    auto missing = read_optional_text_file(PAASRUN_FIXTURES "/config/none/Procfile");
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());
    auto required = read_text_file(PAASRUN_FIXTURES "/config/none/Procfile");
    REQUIRE_FALSE(required);
    CHECK(required.error().sys_errno == ENOENT);
}

TEST_CASE("text_file: directories, devices and huge files are refused", "[config][text_file]") {
    auto dir = read_text_file(PAASRUN_FIXTURES "/config");
    REQUIRE_FALSE(dir);
    CHECK(dir.error().message == "is a directory, not a file");
    auto dev = read_text_file("/dev/zero");
    REQUIRE_FALSE(dev);
    CHECK(dev.error().message == "is not a regular file");

    auto big = fs::temp_directory_path() / fmt::format("paasrun-big-{}", ::getpid());
    {
        std::ofstream out(big, std::ios::binary);
        out.seekp(static_cast<std::streamoff>(max_config_file_size));
        out.put('x');
    }
    auto r = read_text_file(big.string());
    fs::remove(big);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.rfind("file is too large", 0) == 0);
    CHECK(r.error().where.file == big.string());
}
