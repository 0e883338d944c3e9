// The stat/ETag cache notices changed files (file_cache.hpp, "Freshness").
#include <catch2/catch.hpp>
#include <cstdio>

#include "support.hpp"

using namespace paasrun::static_files;
using namespace paasrun::static_files::test;

namespace {

struct Site {
    TempDir tmp;
    StaticConfig cfg;
    explicit Site(std::int64_t revalidate_ms) {
        fs::create_directories(tmp / "s");
        cfg.mounts = {{"/s", (tmp / "s").string()}};
        cfg.revalidate_ms = revalidate_ms;
    }
    fs::path at(std::string_view rel) const { return tmp / "s" / rel; }
};

std::string big_text(char c, std::size_t n) {
    return std::string(n, c);
}

}  // namespace

TEST_CASE("cache: a second request is a hit that touches no file", "[static][cache]") {
    Site s(60'000);
    write_file(s.at("a.txt"), "one");
    auto files = open_or_throw(s.cfg);
    CHECK(body_of(files->resolve(get("/s/a.txt")).plan) == "one");
    auto before = files->cache_stats();
    CHECK(body_of(files->resolve(get("/s/a.txt")).plan) == "one");
    auto after = files->cache_stats();
    CHECK(after.hits == before.hits + 1);
    CHECK(after.builds == before.builds);
}

TEST_CASE("cache: within the TTL a small file is served from its snapshot, consistently",
          "[static][cache]") {
    Site s(60'000);
    write_file(s.at("a.txt"), "one");
    set_mtime(s.at("a.txt"), 1000);
    auto files = open_or_throw(s.cfg);
    auto first = files->resolve(get("/s/a.txt"));
    write_file(s.at("a.txt"), "three");
    auto second = files->resolve(get("/s/a.txt"));
    // The snapshot: old body with its own old length and ETag (never a mix).
    CHECK(body_of(second.plan) == "one");
    CHECK(second.plan.header("ETag") == first.plan.header("ETag"));
    CHECK(second.plan.content_length == 3u);
}

TEST_CASE("cache: revalidation notices edits, renames, creations and deletions",
          "[static][cache]") {
    Site s(0);  // re-check on every request
    write_file(s.at("a.txt"), "one");
    set_mtime(s.at("a.txt"), 1000);
    auto files = open_or_throw(s.cfg);
    auto first = files->resolve(get("/s/a.txt"));
    CHECK(body_of(first.plan) == "one");

    write_file(s.at("a.txt"), "three");  // in place
    set_mtime(s.at("a.txt"), 2000);
    auto edited = files->resolve(get("/s/a.txt"));
    CHECK(body_of(edited.plan) == "three");
    CHECK(edited.plan.header("ETag") != first.plan.header("ETag"));
    CHECK(body_of(first.plan) == "one");  // an earlier plan keeps its snapshot

    write_file(s.at("new.txt"), "replacement");  // rename over it: new inode
    fs::rename(s.at("new.txt"), s.at("a.txt"));
    CHECK(body_of(files->resolve(get("/s/a.txt")).plan) == "replacement");

    CHECK_FALSE(files->resolve(get("/s/b.txt")).mine);
    write_file(s.at("b.txt"), "born");
    CHECK(body_of(files->resolve(get("/s/b.txt")).plan) == "born");

    fs::remove(s.at("b.txt"));
    CHECK_FALSE(files->resolve(get("/s/b.txt")).mine);

    // A sibling that appears later is picked up too.
    auto r = get("/s/a.txt");
    r.accept_encoding = "gzip";
    CHECK_FALSE(files->resolve(r).plan.header("Content-Encoding"));
    write_file(s.at("a.txt.gz"), "gz");
    CHECK(files->resolve(r).plan.header("Content-Encoding") == "gzip");

    auto stats = files->cache_stats();
    CHECK(stats.hits == 0);
    CHECK(stats.revalidations > 0);
}

TEST_CASE("cache: unchanged files are revalidated, not rebuilt", "[static][cache]") {
    Site s(0);
    write_file(s.at("a.txt"), "one");
    auto files = open_or_throw(s.cfg);
    (void)files->resolve(get("/s/a.txt"));
    auto before = files->cache_stats();
    (void)files->resolve(get("/s/a.txt"));
    auto after = files->cache_stats();
    CHECK(after.builds == before.builds);
    CHECK(after.revalidations == before.revalidations + 1);
}

TEST_CASE("cache: an fd-backed file edited in place is noticed at once, even within the TTL",
          "[static][cache]") {
    Site s(60'000);
    s.cfg.memory_file_max = 16;
    write_file(s.at("big.txt"), big_text('a', 100));
    set_mtime(s.at("big.txt"), 1000);
    auto files = open_or_throw(s.cfg);
    auto first = files->resolve(get("/s/big.txt"));
    REQUIRE(first.plan.body == BodySource::file);
    CHECK(first.plan.length == 100);

    {  // truncate and rewrite the same inode
        std::FILE* f = std::fopen(s.at("big.txt").c_str(), "w");
        REQUIRE(f);
        std::fputs(big_text('b', 50).c_str(), f);
        std::fclose(f);
    }
    auto second = files->resolve(get("/s/big.txt"));
    REQUIRE(second.plan.body == BodySource::file);
    CHECK(second.plan.length == 50);
    CHECK(second.plan.content_length == 50u);
    CHECK(body_of(second.plan) == big_text('b', 50));
    CHECK(second.plan.header("ETag") != first.plan.header("ETag"));
}

TEST_CASE("cache: the entry bound and the memory budget hold", "[static][cache]") {
    Site s(60'000);
    s.cfg.cache_entries = 16;
    s.cfg.memory_total_max = 100;
    for (int i = 0; i < 40; ++i)
        write_file(s.at("f" + std::to_string(i) + ".txt"), big_text('x', 30));
    auto files = open_or_throw(s.cfg);
    int in_memory = 0, from_fd = 0;
    for (int i = 0; i < 40; ++i) {
        auto d = files->resolve(get("/s/f" + std::to_string(i) + ".txt"));
        REQUIRE(d.plan.status == 200);
        CHECK(body_of(d.plan) == big_text('x', 30));
        (d.plan.body == BodySource::memory ? in_memory : from_fd)++;
    }
    CHECK(in_memory >= 3);  // 100 bytes of budget, 30-byte files, entries get evicted
    CHECK(from_fd > 0);
    for (int i = 0; i < 40; ++i)  // every file still right after evictions
        CHECK(files->resolve(get("/s/f" + std::to_string(i) + ".txt")).plan.status == 200);
}
