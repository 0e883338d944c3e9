#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "build/buildpacks.hpp"
#include "build/release_yaml.hpp"
#include "build/sha256.hpp"
#include "build/source_tree.hpp"
#include "util/durable_fs.hpp"

using namespace paasrun::build;
namespace fs = std::filesystem;

TEST_CASE("sha256: FIPS 180-4 test vectors", "[build][sha256]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    Sha256 h;  // a million 'a', fed in uneven pieces
    std::string chunk(999, 'a');
    for (int i = 0; i < 1001; ++i) h.update(chunk);
    h.update(std::string(1000000 - 999 * 1001, 'a'));
    CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // The 896-bit message (two blocks after padding) and an input of exactly one block.
    CHECK(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmn"
                     "opqklmnopqrlmnopqrs"
                     "mnopqrstnopqrstu") ==
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK(sha256_hex(std::string(64, 'a')) ==
          "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("sha256: independent objects and a moved-from hash keep their own state",
          "[build][sha256]") {
    Sha256 a, b;
    a.update("ab");
    b.update("xyz");
    Sha256 moved = std::move(a);
    moved.update("c");
    CHECK(moved.hex_digest() == sha256_hex("abc"));
    CHECK(b.hex_digest() == sha256_hex("xyz"));
}

TEST_CASE("bin/release YAML: process types in order, config vars, errors with position",
          "[build][yaml]") {
    auto r = parse_release_output(
        "---\naddons: []\nconfig_vars:\n  LANG: C.UTF-8\n"
        "default_process_types:\n  web: 'paasrun serve app:application'\n  worker: python w.py\n");
    REQUIRE(r);
    REQUIRE(r->default_process_types.size() == 2);
    CHECK(r->default_process_types[0].first == "web");
    CHECK(r->default_process_types[0].second == "paasrun serve app:application");
    CHECK(r->default_process_types[1].first == "worker");
    CHECK(r->config_vars.at("LANG") == "C.UTF-8");
    CHECK(parse_release_output("")->default_process_types.empty());
    CHECK(parse_release_output("---\n")->default_process_types.empty());
    auto bad = parse_release_output("default_process_types:\n  web: [1, 2]\n", "bp bin/release");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where.file == "bp bin/release");
    CHECK(bad.error().where.line == 2);
    CHECK_FALSE(parse_release_output("- a list\n"));
    CHECK_FALSE(parse_release_output("default_process_types: {web: \n"));
    CHECK_FALSE(parse_release_output("default_process_types:\n  web:\n"));
}

TEST_CASE(".buildpacks: one entry per line, comments and blanks ignored", "[build][buildpacks]") {
    auto v = parse_buildpacks_file("# first\n  python  \n\n./vendor/bp\r\n#x\n");
    CHECK(v == std::vector<std::string>{"python", "./vendor/bp"});
}

TEST_CASE("excluded names", "[build][source]") {
    CHECK(is_excluded_name(".git", false));
    CHECK(is_excluded_name("__pycache__", false));
    CHECK(is_excluded_name(".paasrun", true));
    CHECK(is_excluded_name(".venv", true));
    CHECK_FALSE(is_excluded_name(".venv", false));  // only the app's own top-level venv
    CHECK_FALSE(is_excluded_name("app.py", true));
}

TEST_CASE("source hash ignores .paasrun/.git/.venv/__pycache__ and mtimes, sees content and +x",
          "[build][source]") {
    auto root = fs::temp_directory_path() / ("paasrun-src-test-" + paasrun::random_suffix());
    fs::create_directories(root / "pkg");
    auto write = [&](const fs::path& rel, const std::string& text) {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << text;
    };
    write("app.py", "print(1)\n");
    write("pkg/mod.py", "x = 1\n");
    auto hash = [&] {
        auto entries = list_source(root);
        REQUIRE(entries);
        return *source_hash(root, *entries);
    };
    auto h0 = hash();
    write(".paasrun/history.jsonl", "{}\n");
    write(".git/HEAD", "ref\n");
    write(".venv/bin/python", "");
    write("pkg/__pycache__/mod.cpython-311.pyc", "\x01");
    CHECK(hash() == h0);
    fs::last_write_time(root / "app.py",
                        fs::last_write_time(root / "app.py") + std::chrono::seconds(5));
    CHECK(hash() == h0);
    auto entries = list_source(root);
    REQUIRE(entries);
    auto fp = stat_fingerprint(*entries);
    write("app.py", "print(2)\n");
    CHECK(hash() != h0);
    CHECK(stat_fingerprint(*list_source(root)) != fp);
    write("app.py", "print(1)\n");
    CHECK(hash() == h0);
    fs::permissions(root / "app.py", fs::perms::owner_exec, fs::perm_options::add);
    CHECK(hash() != h0);
    fs::permissions(root / "app.py", fs::perms::owner_exec, fs::perm_options::remove);
    fs::rename(root / "pkg/mod.py", root / "pkg/mod2.py");
    CHECK(hash() != h0);
    fs::remove_all(root);
}
