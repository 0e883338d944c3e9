#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "config/procfile.hpp"

using namespace paasrun;
using namespace paasrun::config;

TEST_CASE("procfile: name: command lines in file order", "[config][procfile]") {
    auto r = parse_procfile("web: paasrun serve app:application\nworker: python jobs.py\n");
    REQUIRE(r);
    REQUIRE(r->processes.size() == 2);
    CHECK(r->processes[0].name == "web");
    CHECK(r->processes[0].command == "paasrun serve app:application");
    CHECK(r->processes[0].line == 1);
    CHECK(r->processes[1].name == "worker");
    CHECK(r->processes[1].command == "python jobs.py");
    CHECK(r->processes[1].line == 2);
    CHECK_FALSE(r->release);
}

TEST_CASE("procfile: comments and blank lines are skipped", "[config][procfile]") {
    auto r = parse_procfile("# the app\n\n   \n  # indented comment\nweb: a\n\t\n");
    REQUIRE(r);
    REQUIRE(r->processes.size() == 1);
    CHECK(r->processes[0].line == 5);
}

TEST_CASE("procfile: a # after the command is part of it, as on Heroku", "[config][procfile]") {
    auto r = parse_procfile("worker: python jobs.py # nightly\n");
    REQUIRE(r);
    CHECK(r->processes[0].command == "python jobs.py # nightly");
}

TEST_CASE("procfile: CRLF, a missing final newline and a BOM are accepted", "[config][procfile]") {
    auto r = parse_procfile("\xEF\xBB\xBFweb: a b\r\nworker: c\r\nclock: d");
    REQUIRE(r);
    REQUIRE(r->processes.size() == 3);
    CHECK(r->processes[0].name == "web");
    CHECK(r->processes[0].command == "a b");
    CHECK(r->processes[1].command == "c");
    CHECK(r->processes[2].command == "d");
}

TEST_CASE("procfile: whitespace after ':' and at the end is trimmed", "[config][procfile]") {
    auto r = parse_procfile("web:python -m http.server   \t\nworker:\t  run  \n  clock: tick\n");
    REQUIRE(r);
    CHECK(r->processes[0].command == "python -m http.server");
    CHECK(r->processes[1].command == "run");
    CHECK(r->processes[2].name == "clock");
}

TEST_CASE("procfile: the command keeps later colons", "[config][procfile]") {
    auto r = parse_procfile("web: gunicorn app:application --bind 0.0.0.0:$PORT\n");
    REQUIRE(r);
    CHECK(r->processes[0].command == "gunicorn app:application --bind 0.0.0.0:$PORT");
}

TEST_CASE("procfile: names allow letters, digits, '_' and '-'", "[config][procfile]") {
    auto r = parse_procfile("Web_2-x: a\n9: b\n");
    REQUIRE(r);
    CHECK(r->processes[0].name == "Web_2-x");
    CHECK(r->processes[1].name == "9");
}

TEST_CASE("procfile: release is the release phase, not a process type", "[config][procfile]") {
    auto r = parse_procfile("web: a\nrelease: python migrate.py\nworker: b\n");
    REQUIRE(r);
    REQUIRE(r->release);
    CHECK(r->release->command == "python migrate.py");
    CHECK(r->release->line == 2);
    REQUIRE(r->processes.size() == 2);
    CHECK(r->find("release") == nullptr);
    REQUIRE(r->find("worker") != nullptr);
    CHECK(r->find("worker")->command == "b");
    CHECK(r->find("nope") == nullptr);
}

TEST_CASE("procfile: an empty file has no process types", "[config][procfile]") {
    auto r = parse_procfile("");
    REQUIRE(r);
    CHECK(r->processes.empty());
    CHECK(check_procfile("# nothing\n").empty());
}

TEST_CASE("procfile: duplicate process names are rejected", "[config][procfile]") {
    auto r = parse_procfile("web: a\nworker: c\nweb: b\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.file == "Procfile");
    CHECK(r.error().where.line == 3);
    CHECK(r.error().where.column == 1);
    CHECK(r.error().message == "duplicate process type \"web\" (lines 1 and 3)");
}

TEST_CASE("procfile: a duplicate release is rejected too", "[config][procfile]") {
    auto errs = check_procfile("release: a\nrelease: b\n");
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].describe() == "Procfile:2:1: duplicate process type \"release\" (lines 1 and 2)");
}

TEST_CASE("procfile: a line without ':' names line and column", "[config][procfile]") {
    auto r = parse_procfile("web: a\n\n   python app.py\n", "app/Procfile");
    REQUIRE_FALSE(r);
    CHECK(r.error().describe() ==
          "app/Procfile:3:4: expected \"name: command\" (no ':' on this line)");
}

TEST_CASE("procfile: invalid name characters point at the character", "[config][procfile]") {
    auto r = parse_procfile("web.1: a\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 1);
    CHECK(r.error().where.column == 4);
    CHECK(r.error().message.find("invalid character '.'") == 0);

    auto e = parse_procfile("w\xc3\xa9: a\n");
    REQUIRE_FALSE(e);
    CHECK(e.error().where.column == 2);
    CHECK(e.error().message.find("byte 0xc3") != std::string::npos);
}

TEST_CASE("procfile: a space between name and ':' is an error", "[config][procfile]") {
    auto r = parse_procfile("web : a\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 4);
    CHECK(r.error().message == "expected ':' right after the process type name");
}

TEST_CASE("procfile: an empty name is an error", "[config][procfile]") {
    auto r = parse_procfile(": a\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 1);
    CHECK(r.error().message == "missing process type name before ':'");
}

TEST_CASE("procfile: an empty command names the process type", "[config][procfile]") {
    auto r = parse_procfile("web: a\nworker:   \r\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 2);
    CHECK(r.error().where.column == 8);
    CHECK(r.error().message == "empty command for process type \"worker\"");
}

TEST_CASE("procfile: a NUL byte in a command is an error", "[config][procfile]") {
    using namespace std::string_view_literals;
    auto r = parse_procfile("web: ab\0c\n"sv);
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 8);
}

TEST_CASE("procfile: check collects every error, parse stops at the first", "[config][procfile]") {
    std::string_view text = "web: a\nbad line\nweb: b\nx y: c\nok:\n";
    auto errs = check_procfile(text);
    REQUIRE(errs.size() == 4);
    CHECK(errs[0].where.line == 2);
    CHECK(errs[1].where.line == 3);
    CHECK(errs[2].where.line == 4);
    CHECK(errs[3].where.line == 5);
    auto r = parse_procfile(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 2);
}

TEST_CASE("procfile: load_procfile reads a file and names it in errors", "[config][procfile]") {
    auto good = load_procfile(PAASRUN_FIXTURES "/config/good/Procfile");
    REQUIRE(good);
    CHECK(good->find("web") != nullptr);
    CHECK(good->release.has_value());

    auto bad = load_procfile(PAASRUN_FIXTURES "/config/bad/Procfile");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where.file == PAASRUN_FIXTURES "/config/bad/Procfile");
    CHECK(bad.error().where.line > 0);

    auto missing = load_procfile(PAASRUN_FIXTURES "/config/no-such-dir/Procfile");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "no such file");
}
