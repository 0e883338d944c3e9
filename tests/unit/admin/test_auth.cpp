// Token resolution, the token file, bearer parsing, constant-time comparison.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "admin/auth.hpp"
#include "fake_control.hpp"

using namespace paasrun::admin;
using paasrun::admin::testing::TempDir;

TEST_CASE("admin auth: constant_time_equals is equality", "[admin][auth]") {
    CHECK(constant_time_equals("abc", "abc"));
    CHECK_FALSE(constant_time_equals("abd", "abc"));
    CHECK_FALSE(constant_time_equals("ab", "abc"));
    CHECK_FALSE(constant_time_equals("abcabc", "abc"));  // the cyclic walk must not accept repeats
    CHECK_FALSE(constant_time_equals("", "abc"));
    CHECK_FALSE(constant_time_equals("", ""));
    CHECK_FALSE(constant_time_equals("abc", ""));
}

TEST_CASE("admin auth: constant_time_equals takes as long for an early as for a late mismatch",
          "[admin][auth]") {
    // A timing check that is robust on a loaded machine: compare the best of many runs of
    // each case; an early-exit comparison would make the first-byte mismatch several times
    // faster on a 64 KiB token.
    std::string expected(64 * 1024, 'a');
    std::string early = expected;
    early[0] = 'b';
    std::string late = expected;
    late.back() = 'b';
    auto best = [&](const std::string& given) {
        auto min = std::chrono::nanoseconds::max();
        for (int i = 0; i < 200; ++i) {
            auto t0 = std::chrono::steady_clock::now();
            bool eq = constant_time_equals(given, expected);
            auto dt = std::chrono::steady_clock::now() - t0;
            REQUIRE_FALSE(eq);
            min = std::min(min, std::chrono::duration_cast<std::chrono::nanoseconds>(dt));
        }
        return static_cast<double>(min.count());
    };
    double t_early = best(early);
    double t_late = best(late);
    INFO("early " << t_early << "ns, late " << t_late << "ns");
    CHECK(t_early > t_late * 0.5);
    CHECK(t_late > t_early * 0.5);
}

TEST_CASE("admin auth: bearer header parsing", "[admin][auth]") {
    CHECK(check_bearer("Bearer tok", "tok") == AuthResult::ok);
    CHECK(check_bearer("bearer tok", "tok") == AuthResult::ok);
    CHECK(check_bearer("BEARER   tok  ", "tok") == AuthResult::ok);
    CHECK(check_bearer("", "tok") == AuthResult::missing);
    CHECK(check_bearer("Bearer", "tok") == AuthResult::malformed);
    CHECK(check_bearer("Bearer ", "tok") == AuthResult::malformed);
    CHECK(check_bearer("Basic dG9rOg==", "tok") == AuthResult::malformed);
    CHECK(check_bearer("Bearertok", "tok") == AuthResult::malformed);
    CHECK(check_bearer("Bearer to k", "tok") == AuthResult::malformed);
    CHECK(check_bearer("Bearer tok2", "tok") == AuthResult::wrong);
}

TEST_CASE("admin auth: token syntax is RFC 6750 b64token", "[admin][auth]") {
    CHECK(valid_token_syntax("abc-._~+/09AZ"));
    CHECK(valid_token_syntax("abc=="));
    CHECK_FALSE(valid_token_syntax(""));
    CHECK_FALSE(valid_token_syntax("=="));
    CHECK_FALSE(valid_token_syntax("a=b"));
    CHECK_FALSE(valid_token_syntax("a b"));
    CHECK_FALSE(valid_token_syntax("a\"b"));
}

TEST_CASE("admin auth: query credentials are detected", "[admin][auth]") {
    CHECK(query_has_token({{"token", "x"}}));
    CHECK(query_has_token({{"access_token", ""}}));
    CHECK_FALSE(query_has_token({{"tail", "5"}, {"tokens", "x"}}));
}

TEST_CASE("admin auth: options win over the environment, which wins over the file",
          "[admin][auth]") {
    TempDir dir;
    auto a = resolve_token("from-options", "from-env", dir.path);
    REQUIRE(a);
    CHECK(a->token == "from-options");
    CHECK(a->source == "options");
    auto b = resolve_token("", "from-env", dir.path);
    REQUIRE(b);
    CHECK(b->source == "env");
    CHECK_FALSE(std::filesystem::exists(dir.path / "admin-token"));
    CHECK_FALSE(resolve_token("", "has space", dir.path));
    CHECK_FALSE(resolve_token("bad\"quote", nullptr, dir.path));
}

TEST_CASE("admin auth: the token file is created once, mode 0600, 64 hex digits", "[admin][auth]") {
    TempDir dir;
    auto state = dir.path / "state";  // does not exist yet
    auto first = resolve_token("", nullptr, state);
    REQUIRE(first);
    CHECK(first->source == "file:" + (state / "admin-token").string());
    CHECK(first->token.size() == 64);
    CHECK(first->token.find_first_not_of("0123456789abcdef") == std::string::npos);
    struct stat st {};
    REQUIRE(::stat((state / "admin-token").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto again = resolve_token("", "", state);  // empty env counts as unset
    REQUIRE(again);
    CHECK(again->token == first->token);
    // No temp files left behind.
    int entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(state)) ++entries;
    CHECK(entries == 1);
}

TEST_CASE("admin auth: concurrent creators agree on one token", "[admin][auth]") {
    TempDir dir;
    std::vector<std::string> got(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < got.size(); ++i)
        threads.emplace_back([&, i] {
            auto t = read_or_create_token_file(dir.path / "admin-token");
            if (t) got[i] = *t;
        });
    for (auto& t : threads) t.join();
    for (const auto& g : got) CHECK(g == got[0]);
    CHECK(got[0].size() == 64);
}

TEST_CASE("admin auth: a token file others can read, or an empty one, is refused",
          "[admin][auth]") {
    TempDir dir;
    auto file = dir.path / "admin-token";
    { std::ofstream(file) << "abc123\n"; }
    ::chmod(file.c_str(), 0644);
    auto open = read_or_create_token_file(file);
    REQUIRE_FALSE(open);
    CHECK(open.error().message.find("chmod 600") != std::string::npos);
    ::chmod(file.c_str(), 0600);
    auto ok = read_or_create_token_file(file);
    REQUIRE(ok);
    CHECK(*ok == "abc123");
    { std::ofstream(file, std::ios::trunc) << "\n"; }
    auto empty = read_or_create_token_file(file);
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message.find("empty") != std::string::npos);
}
