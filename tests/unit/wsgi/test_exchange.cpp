// The response side: start_response rules, head commitment, write(), iteration, close().
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;

namespace {
Response get(const std::string& spec, RunOptions options = {}) {
    Request req;
    return run(app(spec), req, options);
}
std::string events() {
    return py_eval("','.join(__import__('close_app').events)");
}
void clear_events() {
    REQUIRE(py_exec("__import__('close_app').events.clear()").empty());
}
}  // namespace

TEST_CASE("exchange: a one-element list goes out as one last chunk with a length hint",
          "[wsgi][exchange]") {
    Response r = get("echo_app:hello");
    REQUIRE_FALSE(r.failed);
    CHECK(r.status_code == 200);
    CHECK(r.status == "200 OK");
    CHECK(r.header("Content-Type") == "text/plain");
    CHECK(r.body == "Hello, World!");
    CHECK(r.data_chunks == 1);
    CHECK(r.last_seen);
    CHECK_FALSE(r.content_length);
    CHECK(r.length_hint == std::optional<std::uint64_t>(13));
}

TEST_CASE("exchange: a tuple body's hint is the sum of its chunks", "[wsgi][exchange]") {
    Response r = get("stream_app:tuple_body");
    REQUIRE_FALSE(r.failed);
    CHECK(r.body == "abcd");
    CHECK(r.length_hint == std::optional<std::uint64_t>(4));
}

TEST_CASE("exchange: the app's Content-Length is passed through and is the hint",
          "[wsgi][exchange]") {
    Response r = get("stream_app:connection_close");
    REQUIRE_FALSE(r.failed);
    CHECK(r.content_length == std::optional<std::uint64_t>(2));
    CHECK(r.length_hint == std::optional<std::uint64_t>(2));
    CHECK(r.header("Content-Length") == "2");
    // "Connection: close" is not forwarded as a header but as a wish to close.
    CHECK(r.close);
    CHECK(r.header("Connection").empty());
}

TEST_CASE("exchange: generators stream chunk by chunk; empty chunks are skipped",
          "[wsgi][exchange]") {
    Response r = get("stream_app:generator");
    REQUIRE_FALSE(r.failed);
    CHECK(r.body == "chunk0\nchunk1\nchunk2\n");
    CHECK(r.data_chunks == 3);
    CHECK_FALSE(r.length_hint);  // unknown for a generator
}

TEST_CASE("exchange: start_response may be called inside the iterable before the first byte",
          "[wsgi][exchange]") {
    Response r = get("stream_app:late_start_response");
    REQUIRE_FALSE(r.failed);
    CHECK(r.status_code == 201);
    CHECK(r.header("X-Late") == "yes");
    CHECK(r.body == "late");
}

TEST_CASE("exchange: an empty body commits the head at the end with hint 0", "[wsgi][exchange]") {
    Response r = get("stream_app:empty");
    REQUIRE_FALSE(r.failed);
    CHECK(r.committed);
    CHECK(r.status_code == 204);
    CHECK(r.body.empty());
    CHECK(r.length_hint == std::optional<std::uint64_t>(0));
}

TEST_CASE("exchange: write() sends through the sink, the head with the first bytes",
          "[wsgi][exchange]") {
    Response r = get("stream_app:write_then_iterate");
    REQUIRE_FALSE(r.failed);
    CHECK(r.write_calls == 1);  // write(b"") did not reach the sink
    CHECK(r.body == "via-write;via-iterable");
    CHECK_FALSE(r.length_hint);  // head went out with write(): length unknown
}

TEST_CASE("exchange: write() validates its argument; a gone client raises OSError",
          "[wsgi][exchange]") {
    Response r = get("stream_app:write_non_bytes");
    REQUIRE_FALSE(r.failed);
    CHECK(r.body.starts_with("TypeError: write() argument must be bytes"));
    Response gone = get("stream_app:write_after_client_gone", {.client_gone = true});
    REQUIRE_FALSE(gone.failed);
    CHECK(gone.body.starts_with("OSError"));
}

TEST_CASE("exchange: invalid results fail before the head is sent", "[wsgi][exchange]") {
    Response s = get("stream_app:yields_str");
    CHECK(s.failed);
    CHECK_FALSE(s.failed_after_head);
    CHECK(s.error.find("must be bytes, not str") != std::string::npos);

    Response none = get("stream_app:returns_none");
    CHECK(none.failed);
    CHECK(none.error.find("not iterable") != std::string::npos);

    Response nostart = get("stream_app:no_start_response");
    CHECK(nostart.failed);
    CHECK(nostart.error.find("before calling start_response") != std::string::npos);

    Response nostart_empty = get("stream_app:no_start_response_empty");
    CHECK(nostart_empty.failed);
    CHECK(nostart_empty.error.find("without calling start_response") != std::string::npos);
}

TEST_CASE("exchange: an exception in the app is a failure with its traceback", "[wsgi][exchange]") {
    Response r = get("error_app:raises");
    CHECK(r.failed);
    CHECK_FALSE(r.failed_after_head);  // the worker answers 500
    CHECK_FALSE(r.committed);
    CHECK(r.error.find("Traceback (most recent call last)") != std::string::npos);
    CHECK(r.error.find("ValueError: boom from the view") != std::string::npos);
    CHECK(r.error.find("error_app.py") != std::string::npos);
}

TEST_CASE("exchange: an exception mid-stream is reported after the head", "[wsgi][exchange]") {
    Response r = get("error_app:raises_in_generator");
    CHECK(r.failed);
    CHECK(r.failed_after_head);  // the worker aborts the connection
    CHECK(r.body == "first");
    CHECK(r.error.find("KeyError: 'mid-stream'") != std::string::npos);
}

TEST_CASE("exchange: exc_info replaces an uncommitted head", "[wsgi][exchange][exc_info]") {
    Response r = get("error_app:exc_info_before_commit");
    REQUIRE_FALSE(r.failed);
    CHECK(r.status_code == 500);
    CHECK(r.header("X-Replaced") == "1");
    CHECK(r.header("X-Original").empty());
    CHECK(r.body == "error page");
}

TEST_CASE("exchange: exc_info after the head was sent re-raises the app's exception",
          "[wsgi][exchange][exc_info]") {
    Response r = get("error_app:exc_info_after_commit");
    CHECK(r.failed);
    CHECK(r.failed_after_head);
    CHECK(r.body == "partial");
    CHECK(r.error.find("RuntimeError: too late") != std::string::npos);
}

TEST_CASE("exchange: a second start_response without exc_info is an error",
          "[wsgi][exchange][exc_info]") {
    Response r = get("error_app:second_call_without_exc_info");
    CHECK(r.failed);
    CHECK(r.error.find("called a second time without exc_info") != std::string::npos);
}

TEST_CASE("exchange: start_response rejects invalid status and headers",
          "[wsgi][exchange][headers]") {
    struct Case {
        const char* app;
        const char* message;
    };
    auto c = GENERATE(
        Case{"bytes_status", "TypeError: start_response: status must be str"},
        Case{"bad_status", "ValueError: start_response: status 'OK 200'"},
        Case{"status_with_newline", "ValueError: start_response: status"},
        Case{"non_latin1_status", "ValueError: start_response: status is not latin-1"},
        Case{"headers_not_list", "TypeError: start_response: headers must be a list"},
        Case{"header_not_tuple",
             "TypeError: start_response: header 0 must be a (name, value) tuple"},
        Case{"header_bytes_value",
             "TypeError: start_response: header 0 name and value must be str"},
        Case{"header_newline", "ValueError: start_response: header 'X-A' has a control character"},
        Case{"header_bad_name", "ValueError: start_response: invalid header name 'X A'"},
        Case{"header_non_latin1", "ValueError: start_response: header 'X-A' is not latin-1"},
        Case{"hop_by_hop", "ValueError: start_response: hop-by-hop header 'Transfer-Encoding'"},
        Case{"bad_content_length", "ValueError: start_response: invalid Content-Length '12abc'"},
        Case{"conflicting_content_length",
             "ValueError: start_response: invalid Content-Length '2'"});
    INFO(c.app);
    Response r = get(std::string("error_app:") + c.app);
    CHECK(r.failed);
    CHECK_FALSE(r.committed);
    CHECK(r.error.find(c.message) != std::string::npos);
    INFO(r.error);
}

TEST_CASE("exchange: latin-1 status and header values reach the worker as bytes",
          "[wsgi][exchange][headers]") {
    Response r = get("error_app:latin1_header");
    REQUIRE_FALSE(r.failed);
    CHECK(r.status == "200 Ok\xE9");
    CHECK(r.header("X-Latin") == "caf\xE9");
}

TEST_CASE("exchange: start_response accepts keyword arguments", "[wsgi][exchange]") {
    Response r = get("error_app:keyword_arguments");
    REQUIRE_FALSE(r.failed);
    CHECK(r.status_code == 202);
    CHECK(r.header("X-Kw") == "1");
}

TEST_CASE("exchange: close() is always called exactly once", "[wsgi][exchange][close]") {
    clear_events();
    SECTION("after a complete response") {
        Response r = get("close_app");
        CHECK(r.body == "onetwothree");
        CHECK(events() == "close");
    }
    SECTION("when the client went away after one chunk") {
        Response r = get("close_app", {.stop_after_chunks = 1});
        CHECK(r.body == "one");
        CHECK(events() == "close");
    }
    SECTION("when the worker aborts before pulling any chunk") {
        Response r = get("close_app", {.stop_after_chunks = 0});
        CHECK_FALSE(r.committed);
        CHECK(events() == "close");
    }
    SECTION("when iteration raised") {
        Response r = get("close_app:failing");
        CHECK(r.failed);
        CHECK(r.failed_after_head);
        CHECK(events() == "close");
    }
    SECTION("a generator abandoned midway runs its finally block") {
        Response r = get("close_app:generator", {.stop_after_chunks = 1});
        CHECK(r.body == "a");
        CHECK(events() == "generator-finally");
    }
    SECTION("close() raising is reported by finish()") {
        Response r = get("close_app:close_raises");
        CHECK(r.body == "x");
        CHECK_FALSE(r.finish_ok);
        CHECK(r.finish_error.find("ValueError: close exploded") != std::string::npos);
        CHECK(events() == "close");
    }
    SECTION("the destructor closes an exchange the worker never finished") {
        {
            Exchange ex(app("close_app"));
            Request req;
            ex.start(req, nullptr);
            CHECK(ex.next().kind == Chunk::Kind::data);
        }
        CHECK(events() == "close");
    }
}

TEST_CASE("exchange: references an app keeps cannot reach a finished request", "[wsgi][exchange]") {
    std::string body = "secret body";
    {
        Request req;
        req.body = Body::in_memory(body);
        Response r = run(app("close_app:keeps_references"), req);
        REQUIRE_FALSE(r.failed);
    }
    Response r = get("close_app:use_kept");
    REQUIRE_FALSE(r.failed);
    INFO(r.error);
    // The kept wsgi.input reads as empty; the kept start_response raises.
    CHECK(r.body == "input:start_response:start_response/write used after its request finished");
}

TEST_CASE("exchange: one Exchange serves many requests", "[wsgi][exchange]") {
    Exchange ex(app("echo_app:hello"));
    for (int i = 0; i < 100; ++i) {
        Request req;
        ex.start(req, nullptr);
        Chunk c = ex.next();
        REQUIRE(c.kind == Chunk::Kind::data);
        REQUIRE(c.head != nullptr);
        CHECK(c.head->status_code == 200);
        CHECK(c.data == "Hello, World!");
        CHECK(ex.finish());
        CHECK_FALSE(ex.active());
    }
    // After done/failed next() keeps reporting it.
    Request req;
    ex.start(req, nullptr);
    (void)ex.next();
    CHECK(ex.next().kind == Chunk::Kind::done);
    CHECK(ex.next().kind == Chunk::Kind::done);
    CHECK(ex.finish());
    CHECK(ex.finish());  // idempotent
}

TEST_CASE("exchange: wsgi.errors delivers whole lines to the handler", "[wsgi][exchange][errors]") {
    errors_lines().clear();
    Response r = get("error_app:errors_stream");
    REQUIRE_FALSE(r.failed);
    CHECK(errors_lines() ==
          std::vector<std::string>{"line one", "line two", "three", "partial", "via print"});
}

TEST_CASE("exchange: validator-wrapped apps pass", "[wsgi][exchange][validate]") {
    for (const char* spec : {"validated_app", "validated_app:generator", "validated_app:writes"}) {
        INFO(spec);
        Response r = get(spec);
        INFO(r.error);
        CHECK_FALSE(r.failed);
        CHECK(r.status_code == 200);
        CHECK_FALSE(r.body.empty());
    }
}
