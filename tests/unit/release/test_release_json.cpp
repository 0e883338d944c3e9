#include <catch2/catch.hpp>

#include "release/history.hpp"
#include "release/release.hpp"
#include "release/retention.hpp"

using namespace paasrun::release;

TEST_CASE("release.json: round trip keeps every field and process order", "[release][json]") {
    Release r;
    r.version = 7;
    r.kind = ReleaseKind::rollback;
    r.description = "Rollback to v5";
    r.created_at = "2026-11-22T10:00:00Z";
    r.slug_id = "s1-abc";
    r.source_hash = std::string(64, 'a');
    r.config_vars = {{"SECRET", "x=y \"quoted\"\n"}, {"A", ""}};
    r.process_types = {
        {"web", "paasrun serve app:application"}, {"worker", "python jobs.py"}, {"clock", "c"}};
    r.release_command = "python manage.py migrate";
    r.rollback_of = 5;
    auto back = parse_release_json(release_to_json(r));
    REQUIRE(back);
    CHECK(back->version == 7);
    CHECK(back->kind == ReleaseKind::rollback);
    CHECK(back->description == r.description);
    CHECK(back->created_at == r.created_at);
    CHECK(back->slug_id == r.slug_id);
    CHECK(back->source_hash == r.source_hash);
    CHECK(back->config_vars == r.config_vars);
    CHECK(back->process_types == r.process_types);
    CHECK(back->release_command == r.release_command);
    CHECK(back->rollback_of == 5);
    CHECK_FALSE(back->redeploy);
    CHECK(release_to_json(r).find("redeploy") == std::string::npos);  // written only when set

    r.redeploy = true;
    auto again = parse_release_json(release_to_json(r));
    REQUIRE(again);
    CHECK(again->kind == ReleaseKind::rollback);  // older readers still see a rollback
    CHECK(again->redeploy);
}

TEST_CASE("release.json: errors carry line and column", "[release][json]") {
    auto r = parse_release_json("{\n  \"version\": 1,\n  oops\n}", "v1/release.json");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.file == "v1/release.json");
    CHECK(r.error().where.line == 3);
    auto missing = parse_release_json(R"({"version": 2, "kind": "build"})");
    REQUIRE_FALSE(missing);
    CHECK_FALSE(parse_release_json(R"({"version": 0, "kind": "build", "slug": "s"})"));
    CHECK_FALSE(parse_release_json(R"({"version": 1, "kind": "nope", "slug": "s"})"));
}

TEST_CASE("slug.json: round trip", "[release][json]") {
    SlugMeta m;
    m.id = "s2";
    m.source_hash = "abc";
    m.build_seconds = 1.5;
    m.buildpacks = {{"Python", "bundled:python", "1.0.0"}, {"Hello", "/bp/hello", "sha256:0123"}};
    m.python_version = "3.11.2";
    m.default_process_types = {{"web", "w"}};
    m.default_config_vars = {{"LANG", "C.UTF-8"}};
    auto back = parse_slug_meta_json(slug_meta_to_json(m));
    REQUIRE(back);
    CHECK(back->buildpacks.size() == 2);
    CHECK(back->buildpacks[1].source == "/bp/hello");
    CHECK(back->python_version == "3.11.2");
    CHECK(back->default_process_types == m.default_process_types);
    CHECK(back->default_config_vars == m.default_config_vars);
    CHECK(back->build_seconds == 1.5);
}

TEST_CASE("parse_version accepts vN and N only", "[release]") {
    CHECK(*parse_version("v12") == 12);
    CHECK(*parse_version("3") == 3);
    CHECK_FALSE(parse_version("v0"));
    CHECK_FALSE(parse_version("v"));
    CHECK_FALSE(parse_version("v1x"));
    CHECK_FALSE(parse_version("./app"));
}

TEST_CASE("history: format/parse round trip; torn and foreign lines are skipped",
          "[release][history]") {
    std::string text = format_history_event({"t1", 1, "created", "Deploy 1", ""}) + "\n" +
                       format_history_event({"t2", 1, "activated", "", ""}) + "\n" + "not json\n" +
                       R"({"event":"created"})" + "\n" +
                       R"({"time":"t3","version":2,"event":"crea)";
    auto events = parse_history(text);
    REQUIRE(events.size() == 2);
    CHECK(events[0].description == "Deploy 1");
    CHECK(events[1].event == "activated");
}

TEST_CASE("history: statuses, failure reasons, previous release", "[release][history]") {
    std::vector<HistoryEvent> ev = {
        {"", 1, "created", "", ""}, {"", 1, "activated", "", ""},
        {"", 2, "created", "", ""}, {"", 2, "failed", "", "release phase exited with status 3"},
        {"", 3, "created", "", ""}, {"", 3, "activated", "", ""},
        {"", 4, "created", "", ""},  // killed before activation
        {"", 5, "created", "", ""}, {"", 5, "activated", "", ""},
    };
    auto st = derive_statuses(ev, 5);
    CHECK(st[1] == ReleaseStatus::succeeded);
    CHECK(st[2] == ReleaseStatus::failed);
    CHECK(st[3] == ReleaseStatus::succeeded);
    CHECK(st[4] == ReleaseStatus::pending);
    CHECK(st[5] == ReleaseStatus::current);
    CHECK(failure_reason(ev, 2) == "release phase exited with status 3");
    CHECK(previous_release(ev, 5) == 3);
    // Current per the symlink although the history never recorded the activation.
    CHECK(derive_statuses(ev, 4)[4] == ReleaseStatus::current);
    // After a rollback to v1 (v6), the previous release is v5.
    ev.push_back({"", 6, "created", "", ""});
    ev.push_back({"", 6, "activated", "", ""});
    CHECK(previous_release(ev, 6) == 5);
    CHECK(previous_release({}, 1) == 0);
    ev.push_back({"", 1, "pruned", "", ""});
    CHECK(derive_statuses(ev, 6).count(1) == 0);
}

TEST_CASE("retention: keeps the newest N plus current and previous", "[release][retention]") {
    CHECK(releases_to_prune({1, 2, 3, 4, 5}, 10, 5, 4).empty());
    CHECK(releases_to_prune({1, 2, 3, 4, 5}, 2, 5, 4) == std::vector<int>{1, 2, 3});
    // Rolled back to an old release: it is current and survives, so does the previous.
    CHECK(releases_to_prune({1, 2, 3, 4, 5, 6}, 2, 2, 6) == std::vector<int>{1, 3, 4});
    CHECK(releases_to_prune({5, 1, 3, 3}, 1, 5, 1) == std::vector<int>{3});
    CHECK(releases_to_prune({1, 2}, 0, 2, 0) == std::vector<int>{1});  // keep >= 1
}
