// The OpenAPI file covers every endpoint the dashboard uses (issue 14's "done means"): the
// API calls in the embedded scripts (api("METHOD", "/v1/...") and startJob(...), fetch("/v1/...",
// {method}), new EventSource("/v1/...")) are read out of the scripts themselves, path
// pieces joined with `+` become a {parameter}, and each method + path must be an operation
// of docs/admin-api.yaml. startJob(method, path, ...) is api() for a job.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <set>
#include <string>

#include "admin/dashboard/assets.hpp"

using namespace paasrun::admin;

namespace {

const std::string kSpec = std::string(PAASRUN_FIXTURES) + "/../../docs/admin-api.yaml";

struct Call {
    std::string method, path;
    bool operator<(const Call& o) const {
        return std::tie(method, path) < std::tie(o.method, o.path);
    }
};

// Reads a JS string literal starting at s[i] (a quote); i ends after it.
std::string literal(const std::string& s, std::size_t& i) {
    char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        out += s[i++];
    }
    ++i;
    return out;
}

// The path of the expression at s[i] (after the call's opening parenthesis, or its method
// argument): literals and `+ expr` pieces up to the query string, the argument's end.
std::string path_expr(const std::string& s, std::size_t i) {
    std::string path;
    bool done = false;
    while (i < s.size() && !done) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (s[i] == '"' || s[i] == '\'') {
            auto lit = literal(s, i);
            auto q = lit.find('?');
            path += lit.substr(0, q);
            if (q != std::string::npos) done = true;
        } else {  // an expression: up to the next + , or ) at depth 0
            int depth = 0;
            while (i < s.size()) {
                char c = s[i];
                if (c == '(' || c == '[' || c == '{') ++depth;
                if (c == ')' || c == ']' || c == '}') {
                    if (depth == 0) break;
                    --depth;
                }
                if (depth == 0 && (c == '+' || c == ',')) break;
                ++i;
            }
            if (!path.empty() && path.back() == '/') path += "{}";
        }
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        if (i >= s.size() || s[i] != '+') break;
        ++i;
    }
    return path;
}

std::set<Call> calls_in(const std::string& js) {
    std::set<Call> out;
    static const std::regex call(
        R"re((\b(?:api|startJob)\(\s*"(GET|POST|PUT|PATCH|DELETE)"\s*,\s*)|(\bfetch\(\s*)|(new EventSource\(\s*))re");
    for (auto it = std::sregex_iterator(js.begin(), js.end(), call); it != std::sregex_iterator();
         ++it) {
        auto at = static_cast<std::size_t>(it->position(0) + it->length(0));
        if (js[at] != '"' && js[at] != '\'') continue;  // a variable (the api() helper itself)
        Call c;
        c.path = path_expr(js, at);
        if ((*it)[2].matched) {
            c.method = (*it)[2].str();
        } else if ((*it)[3].matched) {
            std::smatch m;
            auto rest = js.substr(at, 300);
            c.method = std::regex_search(rest, m, std::regex(R"re(method:\s*["'](\w+)["'])re"))
                           ? m[1].str()
                           : "GET";
        } else {
            c.method = "GET";
        }
        out.insert(c);
    }
    return out;
}

std::string normalise(std::string path) {  // "/v1/jobs/{id}" -> "/v1/jobs/{}"
    return std::regex_replace(path, std::regex(R"(\{[^}]*\})"), "{}");
}

}  // namespace

TEST_CASE("openapi: every API call the dashboard's scripts make is documented",
          "[admin][openapi][dashboard]") {
    YAML::Node doc = YAML::LoadFile(kSpec);
    std::set<Call> documented;
    for (const auto& path : doc["paths"])
        for (const auto& op : path.second) {
            auto m = op.first.as<std::string>();
            std::transform(m.begin(), m.end(), m.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            documented.insert({m, normalise(path.first.as<std::string>())});
        }
    std::set<Call> used;
    for (const char* name : {"app.js", "login.js"}) {
        const auto* a = dashboard::find_asset(name);
        REQUIRE(a);
        for (const auto& c : calls_in(std::string(a->body))) used.insert(c);
    }
    // The extraction found the calls (a change in the scripts' style must not empty it).
    CHECK(used.size() >= 12);  // 14 distinct method + path pairs when this was written
    CHECK(used.count({"GET", "/v1/jobs/{}"}));
    CHECK(used.count({"POST", "/v1/processes/{}/restart"}));
    CHECK(used.count({"GET", "/v1/logs"}));
    CHECK(used.count({"POST", "/v1/dashboard/session"}));
    CHECK(used.count({"GET", "/v1/endpoints"}));
    CHECK(used.count({"PUT", "/v1/formation"}));
    for (const auto& c : used) {
        INFO("the dashboard calls " << c.method << " " << c.path
                                    << ", which docs/admin-api.yaml does not document");
        CHECK(documented.count(c));
    }
}

TEST_CASE("openapi: the call extraction joins path pieces", "[admin][openapi][dashboard]") {
    auto calls = calls_in(
        R"js(api("GET", "/v1/jobs/" + job.id + "?since=" + since); api(method, path);
             startJob("POST", "/v1/x"); fetch('/v1/a/' + f(x, y) + '/b', {method: 'PUT'});
             new EventSource("/v1/logs?tail=200"))js");
    CHECK(calls.size() == 4);
    CHECK(calls.count({"POST", "/v1/x"}));
    CHECK(calls.count({"GET", "/v1/jobs/{}"}));
    CHECK(calls.count({"PUT", "/v1/a/{}/b"}));
    CHECK(calls.count({"GET", "/v1/logs"}));
}
