#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/app_check.hpp"

using namespace paasrun;
using namespace paasrun::config;
namespace fs = std::filesystem;

namespace {

// A scratch app directory removed at the end of the test.
struct TempApp {
    fs::path dir;
    TempApp() {
        static int n = 0;
        dir = fs::temp_directory_path() / fmt::format("paasrun-check-{}-{}", ::getpid(), ++n);
        fs::create_directories(dir);
    }
    ~TempApp() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, std::string_view text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
    }
    [[nodiscard]] CheckRequest request() const {
        CheckRequest r;
        r.dir = dir.string();
        return r;
    }
};

std::vector<std::string> described(const CheckReport& report) {
    std::vector<std::string> out;
    for (const auto& e : report.errors) out.push_back(e.describe());
    return out;
}

}  // namespace

TEST_CASE("check: the good fixture is valid", "[config][check]") {
    CheckRequest req;
    req.dir = PAASRUN_FIXTURES "/config/good";
    auto r = check_app(req);
    REQUIRE(r);
    CHECK(r->errors.empty());
    REQUIRE(r->summary.size() == 3);
    CHECK(r->summary[1] == PAASRUN_FIXTURES "/config/good/.env: 5 variables");
}

TEST_CASE("check: a missing directory is a request error", "[config][check]") {
    CheckRequest req;
    req.dir = PAASRUN_FIXTURES "/config/no-such-dir";
    CHECK_FALSE(check_app(req));
}

TEST_CASE("check: a missing Procfile is an error, absent .env and manifest are not",
          "[config][check]") {
    TempApp app;
    auto r = check_app(app.request());
    REQUIRE(r);
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0].where.file == (app.dir / "Procfile").string());
    CHECK(r->errors[0].message.rfind("no Procfile found", 0) == 0);
}

TEST_CASE("check: errors from every file are collected in order", "[config][check]") {
    TempApp app;
    app.write("Procfile", "web: a\nweb: b\n");
    app.write(".env", "A\n");
    app.write("paasrun.yaml", "web:\n  threads: 0\n");
    auto r = check_app(app.request());
    REQUIRE(r);
    auto errs = described(*r);
    REQUIRE(errs.size() == 3);
    CHECK(errs[0].find("/Procfile:2:1: duplicate process type") != std::string::npos);
    CHECK(errs[1].find("/.env:1:2: expected '='") != std::string::npos);
    CHECK(errs[2].find("/paasrun.yaml:2:12: web.threads") != std::string::npos);
}

TEST_CASE("check: formation entries must be Procfile types", "[config][check]") {
    TempApp app;
    app.write("Procfile", "web: a\nrelease: m\n");
    app.write("paasrun.yaml", "formation:\n  web: 1\n  worker: 2\n  clock: [x]\n");
    auto r = check_app(app.request());
    REQUIRE(r);
    auto errs = described(*r);
    REQUIRE(errs.size() == 2);
    CHECK(errs[0].find("/paasrun.yaml:4:10: formation.clock: expected an integer") !=
          std::string::npos);
    CHECK(errs[1].find("/paasrun.yaml:3:3: formation: process type \"worker\" is not in the "
                       "Procfile (it declares: web)") != std::string::npos);
}

TEST_CASE("check: settings variables in .env and the manifest must parse", "[config][check]") {
    TempApp app;
    app.write("Procfile", "web: a\n");
    app.write("paasrun.yaml", "env:\n  PORT: \"http\"\n");
    auto r = check_app(app.request());
    REQUIRE(r);
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0].where.file == (app.dir / "paasrun.yaml").string());
    CHECK(r->errors[0].message ==
          "PORT=\"http\" (from the manifest's env) is not a TCP port (1-65535)");

    app.write(".env", "PORT=8000\n");  // .env outranks the manifest: now valid
    r = check_app(app.request());
    REQUIRE(r);
    CHECK(r->errors.empty());
}

TEST_CASE("check: explicitly named files must exist", "[config][check]") {
    TempApp app;
    app.write("Procfile", "web: a\n");
    auto req = app.request();
    req.env_file = (app.dir / "missing.env").string();
    req.manifest = (app.dir / "missing.yaml").string();
    auto r = check_app(req);
    REQUIRE(r);
    auto errs = described(*r);
    REQUIRE(errs.size() == 2);
    CHECK(errs[0].find("missing.env: env file not found") != std::string::npos);
    CHECK(errs[1].find("missing.yaml: manifest not found") != std::string::npos);
}

TEST_CASE("check: a directory named Procfile is reported, not read", "[config][check]") {
    TempApp app;
    fs::create_directories(app.dir / "Procfile");
    auto r = check_app(app.request());
    REQUIRE(r);
    REQUIRE(r->errors.size() == 1);
    CHECK(r->errors[0].message == "is a directory, not a file");
}
