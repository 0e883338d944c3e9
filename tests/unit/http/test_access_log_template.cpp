// gunicorn's --access-logformat atoms, the combined format, and the new logfmt/JSON fields.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "http/access_log.hpp"
#include "http/access_log_template.hpp"
#include "http/request_parser.hpp"

using namespace paasrun::http;

namespace {

struct Parsed {
    std::string bytes;
    Request request;
};

AccessLogEntry entry_for(Parsed& p) {
    REQUIRE(parse_request_head(p.bytes, p.request).status == ParseStatus::complete);
    AccessLogEntry e;
    e.method = p.request.method;
    e.path = p.request.path;
    e.query = p.request.query;
    e.target = p.request.target;
    e.protocol = "HTTP/1.1";
    e.host = p.request.host;
    e.referer = p.request.find("Referer");
    e.user_agent = p.request.find("User-Agent");
    e.request = &p.request;
    e.status = 200;
    e.bytes = 13;
    e.duration_ms = 1234.5;
    e.request_id = "0123456789abcdef0123456789abcdef";
    e.remote_addr = "10.0.0.7";
    return e;
}

}  // namespace

TEST_CASE("access log template: gunicorn's atoms", "[http][access_log]") {
    Parsed p{
        "GET /p/a?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\n"
        "Referer: http://ref/\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\nX-Custom: v\r\n\r\n",
        {}};
    auto e = entry_for(p);
    auto t = AccessLogTemplate::compile(
        "%(h)s|%(l)s|%(u)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(f)s|%(a)s|%(T)s|"
        "%(M)s|%(D)s|%(L)s|%({x-custom}i)s|%({missing}i)s|%({x-request-id}o)s|%({REMOTE_USER}e)s|"
        "100%%");
    REQUIRE(t);
    CHECK(t->render(e) ==
          "10.0.0.7|-|alice|GET /p/a?x=1 HTTP/1.1|GET|/p/a|x=1|HTTP/1.1|200|13|13|http://ref/|"
          "curl/8|1|1234|1234500|1.234500|v|-|0123456789abcdef0123456789abcdef|-|100%\n");
}

TEST_CASE("access log template: combined is gunicorn's default format", "[http][access_log]") {
    Parsed p{"GET / HTTP/1.1\r\nHost: h\r\n\r\n", {}};
    auto e = entry_for(p);
    e.bytes = 0;
    auto t = AccessLogTemplate::compile(kCombinedLogFormat);
    REQUIRE(t);
    auto line = t->render(e);
    std::regex combined(
        R"re(^10\.0\.0\.7 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET / HTTP/1\.1" 200 - "-" "-"\n$)re");
    CHECK(std::regex_match(line, combined));
}

TEST_CASE("access log template: values cannot break the line", "[http][access_log]") {
    Parsed p{"GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: a\"b\\c\xff\r\n\r\n", {}};
    auto e = entry_for(p);
    auto t = AccessLogTemplate::compile("\"%(a)s\"");
    REQUIRE(t);
    CHECK(t->render(e) == "\"a\\\"b\\\\c\\xff\"\n");
}

TEST_CASE("access log template: unknown atoms are refused at startup", "[http][access_log]") {
    CHECK_FALSE(AccessLogTemplate::compile("%(zz)s"));
    CHECK_FALSE(AccessLogTemplate::compile("%(h)"));
    CHECK_FALSE(AccessLogTemplate::compile("%(h)x"));
    CHECK_FALSE(AccessLogTemplate::compile("100% sure"));
    CHECK(AccessLogTemplate::compile("plain text, no atoms"));
}

TEST_CASE("access log: logfmt and JSON carry proto, host, referer and user agent",
          "[http][access_log]") {
    Parsed p{
        "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\nReferer: http://r/\r\n\r\n",
        {}};
    auto e = entry_for(p);
    auto logfmt = format_access_log(AccessLogFormat::logfmt, e);
    CHECK(logfmt.find(" proto=HTTP/1.1 host=example.com referer=http://r/ user_agent=curl/8\n") !=
          std::string::npos);
    auto json = format_access_log(AccessLogFormat::json, e);
    CHECK(
        json.find(
            R"("proto":"HTTP/1.1","host":"example.com","referer":"http://r/","user_agent":"curl/8"})") !=
        std::string::npos);
}
