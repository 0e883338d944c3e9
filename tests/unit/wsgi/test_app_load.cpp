// Loading "module:callable" specs: attributes, factories, and readable errors.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;

namespace {
paasrun::Result<App> load(std::string_view spec) {
    return App::load(spec, AppOptions{});
}
std::string body_of(App& a) {
    return run(a, Request{}).body;
}
}  // namespace

TEST_CASE("load: module alone means module:application", "[wsgi][load]") {
    auto a = load("factory_app");
    REQUIRE(a);
    CHECK(body_of(*a) == "default");
}

TEST_CASE("load: factory calls with literal arguments", "[wsgi][load]") {
    auto plain = load("factory_app:create_app()");
    REQUIRE(plain);
    CHECK(body_of(*plain) == "hello");
    auto args = load("factory_app:create_app('hi', shout=True)");
    REQUIRE(args);
    CHECK(body_of(*args) == "HI");
}

TEST_CASE("load: an import error carries the traceback", "[wsgi][load]") {
    auto r = load("bad_import_app:application");
    REQUIRE_FALSE(r);
    const std::string& m = r.error().message;
    CHECK(m.find("failed to load app 'bad_import_app:application'") != std::string::npos);
    CHECK(m.find("Traceback (most recent call last)") != std::string::npos);
    CHECK(m.find("bad_import_app.py\", line 4") != std::string::npos);
    CHECK(m.find("ImportError: missing dependency: totally_absent_package") != std::string::npos);

    auto missing = load("no_such_module_here");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find(
              "ModuleNotFoundError: No module named 'no_such_module_here'") != std::string::npos);
}

TEST_CASE("load: specs that name no WSGI callable are one-line errors", "[wsgi][load]") {
    struct Case {
        const char* spec;
        const char* message;
    };
    auto c = GENERATE(
        Case{"factory_app:missing", "Failed to find attribute 'missing' in 'factory_app'."},
        Case{"factory_app:not_callable", "Application object must be callable."},
        Case{"factory_app:nothing", "Failed to find application object: 'nothing' is None."},
        Case{"factory_app:not_a_factory_result()", "Application object must be callable."},
        Case{"factory_app:create_app(open('x'))", "only literal values are allowed"},
        Case{"factory_app:create_app(**{})", "only literal values are allowed"},
        Case{"factory_app:not_callable()", "'not_callable' in 'factory_app' is not callable."},
        Case{"bad-name", "invalid app spec"});
    INFO(c.spec);
    auto r = load(c.spec);
    REQUIRE_FALSE(r);
    INFO(r.error().message);
    CHECK(r.error().message.find(c.message) != std::string::npos);
    CHECK(r.error().message.find("Traceback") == std::string::npos);
}
