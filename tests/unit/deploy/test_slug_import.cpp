// Source roots and slug relocation (src/deploy/slug_import.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "deploy/slug_import.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::deploy;
namespace fs = std::filesystem;

using paasrun::testing::read_text;
using paasrun::testing::TempDir;
using paasrun::testing::write_text;

namespace {}  // namespace

TEST_CASE("source_root descends into a single top-level directory", "[deploy][slug]") {
    TempDir t;
    write_text(t.path / "myapp/Procfile", "web: x\n");
    CHECK(source_root(t.path) == t.path / "myapp");
    write_text(t.path / "README", "two entries now");
    CHECK(source_root(t.path) == t.path);
}

TEST_CASE("is_slug_archive needs slug.json and app/", "[deploy][slug]") {
    TempDir t;
    CHECK(!is_slug_archive(t.path));
    write_text(t.path / "slug.json", "{}");
    CHECK(!is_slug_archive(t.path));
    fs::create_directories(t.path / "app");
    CHECK(is_slug_archive(t.path));
}

TEST_CASE("a slug's venv is relocated to its new app dir", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "new/app";
    write_text(app / ".venv/bin/pip", "#!/old/slugs/s1/app/.venv/bin/python3\nimport pip\n");
    write_text(app / ".venv/bin/activate", "VIRTUAL_ENV=\"/old/slugs/s1/app/.venv\"\n");
    write_text(app / ".venv/pyvenv.cfg",
               "home = /usr/bin\ncommand = /usr/bin/python3 -m venv /old/slugs/s1/app/.venv\n");
    write_text(app / ".profile.d/python.sh", "export VIRTUAL_ENV=\"/old/slugs/s1/app/.venv\"\n");
    write_text(app / "app.py",
               "# /old/slugs/s1/app is not touched outside the venv and .profile.d\n");
    CHECK(built_app_dir(app) == "/old/slugs/s1/app");
    auto n = relocate_app_paths(app, "/old/slugs/s1/app", app.string());
    REQUIRE(n);
    CHECK(*n == 4);
    CHECK(read_text(app / ".venv/bin/pip") ==
          "#!" + app.string() + "/.venv/bin/python3\nimport pip\n");
    CHECK(read_text(app / ".profile.d/python.sh") ==
          "export VIRTUAL_ENV=\"" + app.string() + "/.venv\"\n");
    CHECK(read_text(app / "app.py").find("/old/slugs/s1/app") != std::string::npos);
    CHECK(*relocate_app_paths(app, app.string(), app.string()) == 0);
}

TEST_CASE("a venv without pip is found through pyvenv.cfg", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "app";
    write_text(
        app / ".venv/pyvenv.cfg",
        "home = /usr/bin\ncommand = /usr/bin/python3 -m venv --without-pip /ci/s9/app/.venv\n");
    CHECK(built_app_dir(app) == "/ci/s9/app");
    CHECK(built_app_dir(t.path / "nothing") == "");
}

namespace {
// A venv as `pip install -e .` leaves it in /old/slugs/s1/app: a path-based editable
// install (src layout), a finder-based one (flat layout), a legacy egg-link, and files that
// merely mention the old path and must not change.
struct EditableVenv {
    TempDir t;
    fs::path app = t.path / "new/app";
    fs::path site = app / ".venv/lib/python3.11/site-packages";
    EditableVenv() {
        write_text(app / ".venv/bin/python3", "");
        write_text(app / ".venv/bin/pip", "#!/old/slugs/s1/app/.venv/bin/python3\n");
        write_text(site / "__editable__.pkg-1.0.pth", "/old/slugs/s1/app/src\n");
        write_text(site / "easy-install.pth",
                   "/old/slugs/s1/app\n/old/slugs/s1/app2/lib\n/usr/lib/other\n");
        write_text(site / "distutils-precedence.pth",
                   "import os; var = 'SETUPTOOLS_USE_DISTUTILS'\n");
        write_text(site / "__editable__.flat-1.0.pth",
                   "import __editable___flat_1_0_finder; __editable___flat_1_0_finder.install()");
        write_text(site / "__editable___flat_1_0_finder.py",
                   "MAPPING = {'flat': '/old/slugs/s1/app/flat', 'flat2': "
                   "'/old/slugs/s1/app/other/flat2'}\nNAMESPACES = {}\n");
        write_text(site / "__pycache__/__editable___flat_1_0_finder.cpython-311.pyc",
                   "stale MAPPING /old/slugs/s1/app/flat");
        write_text(site / "__pycache__/unrelated.cpython-311.pyc", "keep");
        write_text(site / "flat.egg-link", "/old/slugs/s1/app\n.");
        write_text(site / "flat-1.0.dist-info/direct_url.json",
                   R"({"dir_info": {"editable": true}, "url": "file:///old/slugs/s1/app"})");
        write_text(site / "flat-1.0.dist-info/RECORD",
                   "__editable__.flat-1.0.pth,sha256=x,75\n/old/slugs/s1/app\n");
        write_text(site / "somepkg/__init__.py", "DEFAULT = '/old/slugs/s1/app/data'\n");
        write_text(site / "somepkg/data.txt", "/old/slugs/s1/app\n");
        write_text(site / "notes.txt", "/old/slugs/s1/app\n");
    }
};
}  // namespace

TEST_CASE("editable installs in site-packages are relocated", "[deploy][slug]") {
    EditableVenv v;
    const auto& app = v.app;
    const auto& site = v.site;
    fs::permissions(site / "__editable___flat_1_0_finder.py", fs::perms(0640));
    fs::permissions(site / "__editable__.pkg-1.0.pth", fs::perms(0600));
    auto before_precedence = read_text(site / "distutils-precedence.pth");
    CHECK(built_app_dir(app) == "/old/slugs/s1/app");

    auto n = relocate_app_paths(app, "/old/slugs/s1/app", app.string());
    REQUIRE(n);
    // bin/pip, the two .pth naming the app, the finder, the egg-link, direct_url.json.
    CHECK(*n == 6);
    const auto a = app.string();
    CHECK(read_text(site / "__editable__.pkg-1.0.pth") == a + "/src\n");
    CHECK(read_text(site / "easy-install.pth") == a + "\n/old/slugs/s1/app2/lib\n/usr/lib/other\n");
    CHECK(read_text(site / "__editable___flat_1_0_finder.py") ==
          "MAPPING = {'flat': '" + a + "/flat', 'flat2': '" + a +
              "/other/flat2'}\nNAMESPACES = {}\n");
    CHECK(read_text(site / "flat.egg-link") == a + "\n.");
    CHECK(read_text(site / "flat-1.0.dist-info/direct_url.json") ==
          R"({"dir_info": {"editable": true}, "url": "file://)" + a + R"("})");
    // Modes are kept.
    CHECK((fs::status(site / "__editable___flat_1_0_finder.py").permissions() & fs::perms::all) ==
          fs::perms(0640));
    CHECK((fs::status(site / "__editable__.pkg-1.0.pth").permissions() & fs::perms::all) ==
          fs::perms(0600));
    // The finder's stale bytecode is gone; other bytecode stays.
    CHECK(!fs::exists(site / "__pycache__/__editable___flat_1_0_finder.cpython-311.pyc"));
    CHECK(fs::exists(site / "__pycache__/unrelated.cpython-311.pyc"));
    // Everything else in site-packages is package data: untouched.
    CHECK(read_text(site / "distutils-precedence.pth") == before_precedence);
    CHECK(read_text(site / "flat-1.0.dist-info/RECORD") ==
          "__editable__.flat-1.0.pth,sha256=x,75\n/old/slugs/s1/app\n");
    CHECK(read_text(site / "somepkg/__init__.py") == "DEFAULT = '/old/slugs/s1/app/data'\n");
    CHECK(read_text(site / "somepkg/data.txt") == "/old/slugs/s1/app\n");
    CHECK(read_text(site / "notes.txt") == "/old/slugs/s1/app\n");
    // A second pass finds nothing left to do.
    CHECK(*relocate_app_paths(app, "/old/slugs/s1/app", a) == 0);
}

TEST_CASE("relocation replaces whole paths only", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "app";
    auto site = app / ".venv/lib/python3.11/site-packages";
    write_text(site / "x.pth", "/old/app2\n/x/old/app\n/old/app.bak\n/old/app\n/old/app/src\n");
    auto n = relocate_app_paths(app, "/old/app", "/new/place");
    REQUIRE(n);
    CHECK(*n == 1);
    CHECK(read_text(site / "x.pth") ==
          "/old/app2\n/x/old/app\n/old/app.bak\n/new/place\n/new/place/src\n");
}

TEST_CASE("direct_url.json is relocated in its percent-encoded form", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "app";
    auto site = app / ".venv/lib/python3.12/site-packages";
    write_text(site / "p-1.0.dist-info/direct_url.json",
               R"({"url": "file:///old/my%20app", "dir_info": {"editable": true}})");
    write_text(site / "__editable__.p-1.0.pth", "/old/my app/src\n");
    auto n = relocate_app_paths(app, "/old/my app", "/new/app+x");
    REQUIRE(n);
    CHECK(*n == 2);
    CHECK(read_text(site / "p-1.0.dist-info/direct_url.json") ==
          R"({"url": "file:///new/app%2Bx", "dir_info": {"editable": true}})");
    CHECK(read_text(site / "__editable__.p-1.0.pth") == "/new/app+x/src\n");
}

TEST_CASE("site-packages reached through a symlink is not rewritten", "[deploy][slug]") {
    TempDir t;
    auto outside = t.path / "outside";
    write_text(outside / "site-packages/e.pth", "/old/app/src\n");
    auto app = t.path / "app";
    fs::create_directories(app / ".venv/lib");
    fs::create_directory_symlink(outside, app / ".venv/lib/python3.11");
    auto n = relocate_app_paths(app, "/old/app", "/new/app");
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(read_text(outside / "site-packages/e.pth") == "/old/app/src\n");
}

TEST_CASE("a symlinked .venv or .profile.d never makes relocation touch files outside the slug",
          "[deploy][slug][symlink]") {
    TempDir t;
    // Canaries outside the slug, in the shapes the relocation rewrites.
    auto outside = t.path / "outside";
    const std::string canary = "#!/old/app/.venv/bin/python\nVIRTUAL_ENV=\"/old/app/.venv\"\n";
    write_text(outside / "bin/activate", canary);
    write_text(outside / "bin/tool", canary);
    write_text(outside / "pyvenv.cfg", "command = /usr/bin/python3 -m venv /old/app/.venv\n");
    write_text(outside / "python.sh", canary);
    write_text(outside / "lib/python3.11/site-packages/e.pth", "/old/app/src\n");
    auto app = t.path / "app";
    fs::create_directories(app);
    fs::create_directory_symlink(outside, app / ".venv");
    fs::create_directory_symlink(outside, app / ".profile.d");
    auto n = relocate_app_paths(app, "/old/app", "/new/app");
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(read_text(outside / "bin/activate") == canary);
    CHECK(read_text(outside / "bin/tool") == canary);
    CHECK(read_text(outside / "python.sh") == canary);
    CHECK(read_text(outside / "pyvenv.cfg") ==
          "command = /usr/bin/python3 -m venv /old/app/.venv\n");
    CHECK(read_text(outside / "lib/python3.11/site-packages/e.pth") == "/old/app/src\n");
    // Not even read to find the old app dir.
    CHECK(built_app_dir(app).empty());
    // And a file symlink inside a real .profile.d is not written through either.
    fs::remove(app / ".profile.d");
    fs::create_directories(app / ".profile.d");
    fs::create_symlink(outside / "python.sh", app / ".profile.d/python.sh");
    n = relocate_app_paths(app, "/old/app", "/new/app");
    REQUIRE(n);
    CHECK(*n == 0);
    CHECK(read_text(outside / "python.sh") == canary);
    // No temporary file was left next to the canaries either.
    int files = 0;
    for (auto& e : fs::recursive_directory_iterator(outside)) files += e.is_regular_file() ? 1 : 0;
    CHECK(files == 5);
}

TEST_CASE("a rewritten file keeps its mode and loses its compiled copies only", "[deploy][slug]") {
    TempDir t;
    auto app = t.path / "app";
    auto site = app / ".venv/lib/python3.11/site-packages";
    write_text(site / "__editable___p_1_0_finder.py", "MAPPING = {'p': '/old/app/src/p'}\n");
    write_text(site / "__pycache__/__editable___p_1_0_finder.cpython-311.pyc", "x");
    write_text(site / "__pycache__/other.cpython-311.pyc", "x");
    fs::permissions(site / "__editable___p_1_0_finder.py", fs::perms(0640));
    auto n = relocate_app_paths(app, "/old/app", "/new/app");
    REQUIRE(n);
    CHECK(*n == 1);
    CHECK(read_text(site / "__editable___p_1_0_finder.py") ==
          "MAPPING = {'p': '/new/app/src/p'}\n");
    CHECK((fs::status(site / "__editable___p_1_0_finder.py").permissions() & fs::perms::all) ==
          fs::perms(0640));
    CHECK_FALSE(fs::exists(site / "__pycache__/__editable___p_1_0_finder.cpython-311.pyc"));
    CHECK(fs::exists(site / "__pycache__/other.cpython-311.pyc"));
}

TEST_CASE("a slug archive whose app/.venv is a symlink is refused", "[deploy][slug][symlink]") {
    TempDir t;
    paasrun::release::ReleaseStore store(t.path / "state");
    REQUIRE(store.init());
    auto outside = t.path / "outside";
    write_text(outside / "bin/activate", "VIRTUAL_ENV=\"/old/app/.venv\"\n");
    auto dir = t.path / "unpacked";
    write_text(dir / "slug.json", R"({"id":"s1","source_hash":"abc"})");
    write_text(dir / "app/Procfile", "web: x\n");
    fs::create_directory_symlink(outside, dir / "app/.venv");
    auto r = import_slug(store, dir);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("app/.venv is a symlink") != std::string::npos);
    CHECK(read_text(outside / "bin/activate") == "VIRTUAL_ENV=\"/old/app/.venv\"\n");
}
