// docs/admin-api.yaml is the contract: its paths and methods must be exactly the server's
// routes, with `security: []` exactly on the routes that need no token.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <set>

#include "admin/routes.hpp"

using namespace paasrun::admin;

namespace {

const std::string kSpec = std::string(PAASRUN_FIXTURES) + "/../../docs/admin-api.yaml";

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

}  // namespace

TEST_CASE("openapi: every documented operation is a server route and vice versa",
          "[admin][openapi]") {
    YAML::Node doc = YAML::LoadFile(kSpec);
    REQUIRE(doc["openapi"].as<std::string>().starts_with("3.0"));
    const std::set<std::string> http_methods{"get",     "put",  "post",  "delete",
                                             "options", "head", "patch", "trace"};

    std::set<std::pair<std::string, std::string>> documented;
    std::set<std::pair<std::string, std::string>> documented_public;
    for (const auto& path : doc["paths"]) {
        auto p = path.first.as<std::string>();
        for (const auto& op : path.second) {
            auto m = op.first.as<std::string>();
            if (!http_methods.count(m)) continue;  // "parameters", "summary", ...
            documented.emplace(upper(m), p);
            auto sec = op.second["security"];
            if (sec && sec.IsSequence() && sec.size() == 0) documented_public.emplace(upper(m), p);
            // Every operation documents its error responses in the shared JSON shape.
            CHECK(op.second["responses"]);
            if (op.second["responses"]["401"]) CHECK_FALSE(documented_public.count({upper(m), p}));
        }
    }
    std::set<std::pair<std::string, std::string>> served;
    std::set<std::pair<std::string, std::string>> served_public;
    for (const auto& r : routes()) {
        served.emplace(std::string(r.method), std::string(r.path));
        if (!r.needs_auth) served_public.emplace(std::string(r.method), std::string(r.path));
    }
    for (const auto& d : documented) {
        INFO("documented but not served: " << d.first << " " << d.second);
        CHECK(served.count(d));
    }
    for (const auto& s : served) {
        INFO("served but not documented: " << s.first << " " << s.second);
        CHECK(documented.count(s));
    }
    CHECK(documented_public == served_public);
    // The top-level default is the bearer scheme.
    REQUIRE(doc["security"].IsSequence());
    CHECK(doc["security"][0]["bearer"]);
    CHECK(doc["components"]["securitySchemes"]["bearer"]["scheme"].as<std::string>() == "bearer");
}

TEST_CASE("openapi: every $ref resolves", "[admin][openapi]") {
    YAML::Node doc = YAML::LoadFile(kSpec);
    std::vector<std::string> missing;
    std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
        if (n.IsMap()) {
            for (const auto& kv : n) {
                if (kv.first.as<std::string>() == "$ref") {
                    auto ref = kv.second.as<std::string>();
                    REQUIRE(ref.starts_with("#/"));
                    YAML::Node at = doc;
                    std::size_t i = 2;
                    while (i <= ref.size()) {
                        auto slash = ref.find('/', i);
                        if (slash == std::string::npos) slash = ref.size();
                        auto key = ref.substr(i, slash - i);
                        const YAML::Node& here = at;  // const lookup: never inserts
                        if (!here.IsMap() || !here[key]) {
                            missing.push_back(ref);
                            break;
                        }
                        at.reset(here[key]);  // rebind the handle; `at = ...` would overwrite doc
                        i = slash + 1;
                    }
                    continue;
                }
                walk(kv.second);
            }
        } else if (n.IsSequence()) {
            for (const auto& item : n) walk(item);
        }
    };
    walk(doc);
    INFO("unresolved: " << (missing.empty() ? "" : missing.front()));
    CHECK(missing.empty());
}
