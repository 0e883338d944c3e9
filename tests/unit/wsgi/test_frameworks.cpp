// Real frameworks through the bridge: Flask and Django from Debian's packages.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;
using nlohmann::json;

namespace {

Response call(const std::string& spec, std::string_view method, std::string_view path,
              std::string_view query = {}, std::string_view content_type = {},
              std::string_view body = {}, std::string_view script_name = {}) {
    RequestBuilder b;
    b.request.method = method;
    b.request.path = path;
    b.request.query = query;
    b.request.script_name = script_name;
    b.request.body = Body::in_memory(body);
    b.header("Host", "testserver");
    if (!content_type.empty()) b.header("Content-Type", content_type);
    std::string length = std::to_string(body.size());
    if (!body.empty()) b.header("Content-Length", length);
    return run(app(spec), b.request);
}

const std::string kBoundary = "----paasrunboundary";
std::string multipart(const std::string& field_data) {
    return "--" + kBoundary + "\r\n" +
           "Content-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n" +
           "Content-Type: application/octet-stream\r\n\r\n" + field_data + "\r\n--" + kBoundary +
           "--\r\n";
}

}  // namespace

TEST_CASE("flask: pages, JSON, forms, uploads, streams, errors", "[wsgi][flask]") {
    const std::string spec = "flask_site:app";
    Response page = call(spec, "GET", "/");
    INFO(page.error);
    REQUIRE_FALSE(page.failed);
    CHECK(page.status_code == 200);
    CHECK(page.body == "Hello from Flask");
    CHECK(page.content_length == std::optional<std::uint64_t>(16));

    Response js = call(spec, "GET", "/json", "x=1&y=%C3%A9");
    REQUIRE_FALSE(js.failed);
    CHECK(json::parse(js.body) ==
          json({{"message", "hello"}, {"args", {{"x", "1"}, {"y", "\u00e9"}}}}));

    Response form =
        call(spec, "POST", "/form", {}, "application/x-www-form-urlencoded", "a=1&b=two+words");
    REQUIRE_FALSE(form.failed);
    CHECK(json::parse(form.body).at("form") == json({{"a", "1"}, {"b", "two words"}}));

    std::string data(300000, 'z');
    data.replace(0, 5, "HEAD!");
    Response up = call(spec, "POST", "/upload", {}, "multipart/form-data; boundary=" + kBoundary,
                       multipart(data));
    INFO(up.error);
    REQUIRE_FALSE(up.failed);
    json u = json::parse(up.body);
    CHECK(u.at("name") == "data.bin");
    CHECK(u.at("size") == data.size());
    CHECK(u.at("head").get<std::string>().starts_with("HEAD!"));

    Response stream = call(spec, "GET", "/stream");
    REQUIRE_FALSE(stream.failed);
    CHECK(stream.body == "line 0\nline 1\nline 2\nline 3\nline 4\n");
    CHECK(stream.data_chunks == 5);

    Response mounted = call(spec, "GET", "/prefix/path/a%2Fb", {}, {}, {}, "/prefix");
    REQUIRE_FALSE(mounted.failed);
    json m = json::parse(mounted.body);
    CHECK(m.at("script_root") == "/prefix");
    CHECK(m.at("rest") == "a/b");

    // Flask turns a view's exception into its own 500 page (the traceback goes to
    // wsgi.errors via app.logger's stderr handler, not the body).
    Response boom = call(spec, "GET", "/boom");
    REQUIRE_FALSE(boom.failed);
    CHECK(boom.status_code == 500);
    CHECK(boom.body.find("flask view failed") == std::string::npos);

    Response missing = call(spec, "GET", "/nope");
    CHECK(missing.status_code == 404);
}

TEST_CASE("django: pages, forms, uploads, streams, script name", "[wsgi][django]") {
    const std::string spec = "django_site.wsgi";
    Response page = call(spec, "GET", "/");
    INFO(page.error);
    REQUIRE_FALSE(page.failed);
    CHECK(page.status_code == 200);
    CHECK(page.body == "Hello from Django");

    Response form = call(spec, "POST", "/form", {}, "application/x-www-form-urlencoded",
                         "name=paas&v=%E2%9C%93");
    INFO(form.error);
    REQUIRE_FALSE(form.failed);
    CHECK(json::parse(form.body) ==
          json({{"method", "POST"}, {"form", {{"name", "paas"}, {"v", "\u2713"}}}}));

    std::string data(200000, 'q');
    Response up = call(spec, "POST", "/upload", {}, "multipart/form-data; boundary=" + kBoundary,
                       multipart(data));
    INFO(up.error);
    REQUIRE_FALSE(up.failed);
    CHECK(json::parse(up.body) == json({{"name", "data.bin"}, {"size", data.size()}}));

    Response stream = call(spec, "GET", "/stream");
    REQUIRE_FALSE(stream.failed);
    CHECK(stream.body == "part0;part1;part2;part3;");

    RequestBuilder b;
    b.request.path = "/root/info/caf%C3%A9";
    b.request.script_name = "/root";
    b.header("Host", "testserver").header("Cookie", "a=1").header("Cookie", "b=2");
    Response info = run(app(spec), b.request);
    INFO(info.error);
    REQUIRE_FALSE(info.failed);
    INFO(info.status << " " << info.body);
    json i = json::parse(info.body);
    CHECK(i.at("script_name") == "/root");
    CHECK(i.at("path") == "/root/info/caf\u00e9");  // Django re-decodes PATH_INFO as UTF-8
    CHECK(i.at("path_info") == "/info/caf\u00e9");
    CHECK(i.at("cookies") == json({{"a", "1"}, {"b", "2"}}));
    CHECK(i.at("scheme") == "http");

    Response missing = call(spec, "GET", "/missing");
    CHECK(missing.status_code == 404);
}
