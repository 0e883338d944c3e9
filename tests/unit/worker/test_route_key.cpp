// The route key of a request path (src/worker/route_key.hpp): id-looking segments collapse
// to :id, everything else is kept, and a key that does not fit is refused (0).
#include <catch2/catch.hpp>
#include <string>

#include "worker/route_key.hpp"

using namespace paasrun::worker;

namespace {

std::string key(std::string_view path, std::size_t cap = 96) {
    std::string out(cap, '\0');
    auto n = route_key(path, out.data(), cap);
    out.resize(n);
    return out;
}

}  // namespace

TEST_CASE("segments that look like ids collapse to :id") {
    CHECK(key("/users/1") == "/users/:id");
    CHECK(key("/users/2") == "/users/:id");
    CHECK(key("/users/12345/posts/678") == "/users/:id/posts/:id");
    CHECK(key("/orders/550e8400-e29b-41d4-a716-446655440000") == "/orders/:id");
    CHECK(key("/orders/550E8400-E29B-41D4-A716-446655440000/items") == "/orders/:id/items");
    CHECK(key("/blobs/5f2b9c0e1a2d3e4f") == "/blobs/:id");                  // 16 hex digits
    CHECK(key("/blobs/d41d8cd98f00b204e9800998ecf8427e") == "/blobs/:id");  // an md5
    CHECK(key("/t/Ab3xY9kQ2mN7pR4sZ8wV") == "/t/:id");                      // 20-char token
}

TEST_CASE("words, slugs and file names are kept") {
    CHECK(key("/") == "/");
    CHECK(key("/about") == "/about");
    CHECK(key("/users/alice") == "/users/alice");
    CHECK(key("/users/") == "/users/");
    CHECK(key("/blog/2024-annual-report") == "/blog/2024-annual-report");  // a dash: a slug
    CHECK(key("/blobs/cafe") == "/blobs/cafe");                            // short hex is a word
    CHECK(key("/static/app.css") == "/static/app.css");
    CHECK(key("/v2/items") == "/v2/items");                                          // short mixed
    CHECK(key("/t/abcdefghijklmnopqrstuvwxyz") == "/t/abcdefghijklmnopqrstuvwxyz");  // no digit
    CHECK(key("/api//x") == "/api//x");
}

TEST_CASE("looks_like_id on its own") {
    CHECK(looks_like_id("0"));
    CHECK_FALSE(looks_like_id(""));
    CHECK_FALSE(looks_like_id(":id"));
    CHECK_FALSE(looks_like_id("550e8400-e29b-41d4-a716-44665544000"));  // one digit short
    CHECK_FALSE(looks_like_id("550e8400xe29b-41d4-a716-446655440000"));
}

TEST_CASE("a key that does not fit is refused, never truncated") {
    CHECK(key("/users/1", 10) == "/users/:id");
    CHECK(key("/users/1", 9).empty());
    CHECK(key("/" + std::string(200, 'z')).empty());
    CHECK(key(std::string(200, 'a')) == ":id");  // 200 hex digits: an id, however long
    // Collapsing makes long paths fit: the key is measured after :id replaces the ids.
    CHECK(key("/u/" + std::string(150, '7'), 16) == "/u/:id");
}
