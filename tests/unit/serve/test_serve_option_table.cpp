// The one option table: every wire row is unique and sent, aliases map onto a primary row,
// gunicorn names are unique, and docs/serve.md carries the table the code prints.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "serve/gunicorn_settings.hpp"
#include "serve/serve_option_table.hpp"

using namespace paasrun::worker;

TEST_CASE("option table: wire and gunicorn names are unique; aliases have a primary row",
          "[worker][options]") {
    std::set<std::string_view> wires, gunicorn;
    for (const auto& row : serve_option_table()) {
        if (!row.wire.empty()) CHECK(wires.insert(row.wire).second);
        if (!row.gunicorn.empty()) CHECK(gunicorn.insert(row.gunicorn).second);
        CHECK_FALSE(primary_wire_name(row).empty());
        CHECK_FALSE(row.help.empty());
        // A setting is either taken or named as unsupported, never both.
        if (!row.gunicorn.empty())
            CHECK(find_unsupported_gunicorn_setting(row.gunicorn) == nullptr);
    }
    CHECK(primary_wire_name(*find_option_by_gunicorn("accesslog")) == "access-log");
}

TEST_CASE(
    "option table: gunicorn's --access-logfile '-' is stdout, paasrun's --access-log '-' is off",
    "[worker][options]") {
    ServeOptions o;
    REQUIRE(set_option(o, *find_option_by_gunicorn("accesslog"), "-", true));
    CHECK(o.access_log == "stdout");
    REQUIRE(set_option(o, *find_option_by_wire("access-log"), "-", true));
    CHECK_FALSE(o.access_log_enabled());
}

TEST_CASE("option table: checked values name the option", "[worker][options]") {
    ServeOptions o;
    auto k = set_option(o, *find_option_by_wire("worker-class"), "gevent", true);
    REQUIRE_FALSE(k);
    CHECK(k.error().message.find("worker-class") != std::string::npos);
    REQUIRE(set_option(o, *find_option_by_wire("worker-class"), "gthread", true));
    CHECK(o.worker_class == "gthread");
    CHECK_FALSE(set_option(o, *find_option_by_wire("log-level"), "loud", true));
    REQUIRE(set_option(o, *find_option_by_wire("log-level"), "WARNING", true));
    CHECK(o.log_level == "warning");
    CHECK_FALSE(set_option(o, *find_option_by_wire("env"), "NOEQUALS", true));
    CHECK_FALSE(set_option(o, *find_option_by_wire("workers"), "four", true));
    // (A bad --access-logformat atom is refused by `paasrun serve` before the arbiter starts:
    // test_gunicorn_compat.py::test_bad_access_logformat_atom_is_refused_at_start.)
}

TEST_CASE("option table: docs/serve.md carries the table the code prints", "[worker][options]") {
    std::ifstream in(std::string(PAASRUN_FIXTURES) + "/../../docs/serve.md");
    REQUIRE(in);
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string begin =
        "<!-- options-table:begin (paasrun serve --print-options-table) -->\n";
    const std::string end = "<!-- options-table:end -->";
    auto b = doc.find(begin);
    auto e = doc.find(end);
    REQUIRE(b != std::string::npos);
    REQUIRE(e != std::string::npos);
    CHECK(doc.substr(b + begin.size(), e - b - begin.size()) == options_markdown_table());
}
