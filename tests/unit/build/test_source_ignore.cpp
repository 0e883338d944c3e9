#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "build/source_tree.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace paasrun::build;

namespace {

std::set<std::string> names(const fs::path& root, SourceUse use,
                            const std::vector<fs::path>& skip = {}) {
    auto entries = list_source(root, skip, use);
    REQUIRE(entries);
    std::set<std::string> out;
    for (const auto& e : *entries) out.insert(e.rel.generic_string());
    return out;
}

}  // namespace

TEST_CASE("source: .env never, .slugignore for slugs, .gitignore for uploads", "[build][ignore]") {
    paasrun::testing::TempDir dir("source-ignore");
    auto root = dir.path;
    auto write = [&](const std::string& rel, const std::string& text) {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << text;
    };
    write("app.py", "x\n");
    write(".env", "SECRET=1\n");
    write("sub/.env", "nested: an ordinary file\n");
    write(".slugignore", "*.psd\n/tests\n");
    write(".gitignore", "db.sqlite3\nnode_modules/\n");
    write("art/logo.psd", "big\n");
    write("tests/test_app.py", "t\n");
    write("db.sqlite3", "data\n");
    write("node_modules/x/index.js", "js\n");
    write("data/keep.txt", "d\n");

    auto slug = names(root, SourceUse::slug);
    CHECK_FALSE(slug.count(".env"));
    CHECK(slug.count("sub/.env"));
    CHECK_FALSE(slug.count("art/logo.psd"));
    CHECK_FALSE(slug.count("tests"));
    CHECK_FALSE(slug.count("tests/test_app.py"));
    CHECK(slug.count("db.sqlite3"));  // .gitignore is for uploads
    CHECK(slug.count(".slugignore"));

    auto upload = names(root, SourceUse::upload, {root / "data"});
    CHECK_FALSE(upload.count(".env"));
    CHECK_FALSE(upload.count("db.sqlite3"));
    CHECK_FALSE(upload.count("node_modules"));
    CHECK_FALSE(upload.count("node_modules/x/index.js"));
    CHECK_FALSE(upload.count("data"));
    CHECK(upload.count("tests/test_app.py"));  // .slugignore is applied by the server's build
    CHECK(upload.count("app.py"));

    // Editing .env alone leaves the source hash as it was: no rebuild.
    auto entries = list_source(root);
    REQUIRE(entries);
    auto before = source_hash(root, *entries);
    write(".env", "SECRET=2\n");
    entries = list_source(root);
    REQUIRE(entries);
    CHECK(*source_hash(root, *entries) == *before);
    CHECK(stat_fingerprint(*entries) == stat_fingerprint(*list_source(root)));
}
