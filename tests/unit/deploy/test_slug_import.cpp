// Source roots and slug relocation (src/deploy/slug_import.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "deploy/slug_import.hpp"

using namespace paasrun::deploy;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/paasrun-unit-slug-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};
void write(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << s;
}
std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("source_root descends into a single top-level directory", "[deploy][slug]") {
    TempDir t;
    write(t.path / "myapp/Procfile", "web: x\n");
    CHECK(source_root(t.path) == t.path / "myapp");
    write(t.path / "README", "two entries now");
    CHECK(source_root(t.path) == t.path);
}

TEST_CASE("is_slug_archive needs slug.json and app/", "[deploy][slug]") {
    TempDir t;
    CHECK(!is_slug_archive(t.path));
    write(t.path / "slug.json", "{}");
    CHECK(!is_slug_archive(t.path));
    fs::create_directories(t.path / "app");
    CHECK(is_slug_archive(t.path));
}

TEST_CASE("a slug's venv is relocated to its new app dir", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "new/app";
    write(app / ".venv/bin/pip", "#!/old/slugs/s1/app/.venv/bin/python3\nimport pip\n");
    write(app / ".venv/bin/activate", "VIRTUAL_ENV=\"/old/slugs/s1/app/.venv\"\n");
    write(app / ".venv/pyvenv.cfg", "home = /usr/bin\ncommand = /usr/bin/python3 -m venv /old/slugs/s1/app/.venv\n");
    write(app / ".profile.d/python.sh", "export VIRTUAL_ENV=\"/old/slugs/s1/app/.venv\"\n");
    write(app / "app.py", "# /old/slugs/s1/app is not touched outside the venv and .profile.d\n");
    CHECK(built_app_dir(app) == "/old/slugs/s1/app");
    auto n = relocate_app_paths(app, "/old/slugs/s1/app", app.string());
    REQUIRE(n);
    CHECK(*n == 4);
    CHECK(slurp(app / ".venv/bin/pip") == "#!" + app.string() + "/.venv/bin/python3\nimport pip\n");
    CHECK(slurp(app / ".profile.d/python.sh") == "export VIRTUAL_ENV=\"" + app.string() + "/.venv\"\n");
    CHECK(slurp(app / "app.py").find("/old/slugs/s1/app") != std::string::npos);
    CHECK(*relocate_app_paths(app, app.string(), app.string()) == 0);
}

TEST_CASE("a venv without pip is found through pyvenv.cfg", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "app";
    write(app / ".venv/pyvenv.cfg", "home = /usr/bin\ncommand = /usr/bin/python3 -m venv --without-pip /ci/s9/app/.venv\n");
    CHECK(built_app_dir(app) == "/ci/s9/app");
    CHECK(built_app_dir(t.path / "nothing") == "");
}
