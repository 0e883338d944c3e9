#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "release/publish.hpp"
#include "release/store.hpp"
#include "support/fake_slug.hpp"
#include "support/temp_dir.hpp"
#include "util/durable_fs.hpp"

using namespace paasrun::release;
namespace fs = std::filesystem;

using paasrun::testing::fake_slug;
using paasrun::testing::TempDir;

TEST_CASE("store: create does not activate; activate swaps current", "[release][store]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    CHECK(*store.current_version() == 0);
    auto slug = fake_slug(store, "h1");
    auto draft = draft_build_release(store, slug);
    REQUIRE(draft);
    auto v = store.create(*draft);
    REQUIRE(v);
    CHECK(*v == 1);
    CHECK(*store.current_version() == 0);
    REQUIRE(store.activate(1));
    CHECK(*store.current_version() == 1);
    CHECK(fs::read_symlink(store.current_link()) == fs::path("releases/v1"));
    auto list = store.list();
    REQUIRE(list);
    REQUIRE(list->size() == 1);
    CHECK((*list)[0].status == ReleaseStatus::current);
}

TEST_CASE("store: the writer lock is exclusive", "[release][store]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    auto first = store.lock();
    REQUIRE(first);
    auto second = store.lock();
    REQUIRE_FALSE(second);
    CHECK(second.error().message.find("another build or release is in progress") !=
          std::string::npos);
}

TEST_CASE("store: version numbers are never reused after pruning", "[release][store]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    for (int i = 0; i < 4; ++i) {
        auto slug = fake_slug(store, "h" + std::to_string(i));
        auto v = store.create(*draft_build_release(store, slug));
        REQUIRE(v);
        REQUIRE(store.activate(*v));
    }
    auto pruned = store.prune(1);
    REQUIRE(pruned);
    CHECK(*pruned == std::vector<int>{1, 2});
    CHECK(fs::exists(store.release_dir(3)));  // previous
    auto slug = fake_slug(store, "h9");
    CHECK(*store.create(*draft_build_release(store, slug)) == 5);
}

TEST_CASE("store: clean_leftovers removes unfinished slugs and temp releases only",
          "[release][store]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    auto done = fake_slug(store, "h");
    auto unfinished = store.new_slug_dir();
    REQUIRE(unfinished);
    fs::create_directories(store.releases_dir() / ".tmp-123");
    REQUIRE(store.clean_leftovers());
    CHECK(fs::exists(store.slug_dir(done.id) / "slug.json"));
    CHECK_FALSE(fs::exists(store.slug_dir(*unfinished)));
    CHECK_FALSE(fs::exists(store.releases_dir() / ".tmp-123"));
}

TEST_CASE("config drafts: set/unset, names only in descriptions, no empty releases",
          "[release][config]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    auto d = draft_config_change(store, {{"B", "2"}, {"A", "secret"}}, {});
    REQUIRE(d);
    CHECK(d->slug_id.empty());  // config before any build: a config-only release
    CHECK(d->description == "Set B, A config vars");
    auto v = store.create(*d);
    REQUIRE(store.activate(*v));
    CHECK_FALSE(draft_config_change(store, {{"A", "secret"}}, {}));  // no change
    CHECK_FALSE(draft_config_change(store, {}, {"MISSING"}));
    CHECK_FALSE(draft_config_change(store, {{"BAD-NAME", "x"}}, {}));
    auto u = draft_config_change(store, {}, {"A"});
    REQUIRE(u);
    CHECK(u->config_vars == ConfigVars{{"B", "2"}});
    CHECK(u->description == "Remove A config var");
    CHECK_FALSE(draft_rollback(store, 0));  // only one release was ever current
}

TEST_CASE("store: a committed slug has no group/world-writable file or directory",
          "[release][store][modes]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    auto id = store.new_slug_dir();
    REQUIRE(id);
    auto app = store.slug_app_dir(*id);
    fs::create_directories(app / "pkg");
    {
        std::FILE* f = std::fopen((app / "pkg/mod.py").c_str(), "w");
        REQUIRE(f);
        std::fclose(f);
    }
    {
        std::FILE* f = std::fopen((app / "run.sh").c_str(), "w");
        REQUIRE(f);
        std::fclose(f);
    }
    fs::create_symlink("/usr/bin/python3", app / "python");
    fs::permissions(app / "pkg", fs::perms(0777));
    fs::permissions(app / "pkg/mod.py", fs::perms(0666));
    fs::permissions(app / "run.sh", fs::perms(06777));
    fs::permissions(app, fs::perms(0775));
    SlugMeta m;
    m.id = *id;
    REQUIRE(store.commit_slug(m));
    auto mode = [](const fs::path& p) {
        return fs::symlink_status(p).permissions() & fs::perms::mask;
    };
    CHECK(mode(app / "pkg") == fs::perms(0755));
    CHECK(mode(app / "pkg/mod.py") == fs::perms(0644));
    CHECK(mode(app / "run.sh") == fs::perms(0755));
    CHECK(mode(app) == fs::perms(0755));
    CHECK(fs::is_symlink(app / "python"));
}

TEST_CASE("store: a rollback to the current release is a redeploy", "[release][store]") {
    TempDir tmp;
    ReleaseStore store(tmp.path / "state");
    REQUIRE(store.init());
    for (const char* hash : {"h1", "h2"}) {
        auto draft = draft_build_release(store, fake_slug(store, hash));
        REQUIRE(draft);
        auto v = store.create(*draft);
        REQUIRE(v);
        REQUIRE(store.activate(*v));
    }
    auto redeploy = draft_rollback(store, 2);  // v2 is current
    REQUIRE(redeploy);
    CHECK(redeploy->kind == ReleaseKind::rollback);
    CHECK(redeploy->redeploy);
    CHECK(redeploy->rollback_of == 2);
    CHECK(redeploy->description == "Redeploy of v2");
    auto rollback = draft_rollback(store, 1);
    REQUIRE(rollback);
    CHECK_FALSE(rollback->redeploy);
    CHECK(rollback->description == "Rollback to v1");
    // Back to v2 while v3 (its redeploy) is current: a plain rollback.
    auto v3 = store.create(*redeploy);
    REQUIRE(v3);
    REQUIRE(store.activate(*v3));
    auto again = draft_rollback(store, 3);
    REQUIRE(again);
    CHECK(again->redeploy);
    CHECK(again->description == "Redeploy of v3");
    auto back = draft_rollback(store, 2);
    REQUIRE(back);
    CHECK_FALSE(back->redeploy);
    // A config change on top of a redeploy is not one.
    auto cfg = draft_config_change(store, {{"A", "1"}}, {});
    REQUIRE(cfg);
    CHECK_FALSE(cfg->redeploy);
}
