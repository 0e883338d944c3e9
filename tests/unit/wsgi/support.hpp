// Shared helpers for the wsgi unit tests. The test process embeds Python once (a Catch2
// listener in support.cpp) from Debian's /usr/bin/python3 with the fixture apps dir
// (tests/fixtures/apps/wsgi) on sys.path; the main thread holds the GIL during tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wsgi/app.hpp"
#include "wsgi/exchange.hpp"
#include "wsgi/interpreter.hpp"
#include "wsgi/request.hpp"

namespace paasrun::wsgi::test {

/// The test process's interpreter.
Interpreter& interpreter();

/// tests/fixtures/apps/wsgi
[[nodiscard]] std::string fixtures_dir();

/// Loads (once per spec for the test process) and returns an app; FAILs the test on error.
App& app(const std::string& spec);

/// Lines the shared test ErrorsHandler received (wsgi.errors of apps loaded by app()).
std::vector<std::string>& errors_lines();

/// What a response looked like from the worker's side.
struct Response {
    bool committed = false;
    int status_code = 0;
    std::string status;
    std::vector<std::pair<std::string, std::string>> headers;
    std::optional<std::uint64_t> content_length;
    std::optional<std::uint64_t> length_hint;
    bool close = false;
    std::string body;
    int data_chunks = 0;     // from next()
    int write_calls = 0;     // through the sink
    int file_chunks = 0;     // sendfile regions (read back with pread into body)
    bool last_seen = false;  // a chunk said last
    bool failed = false;
    bool failed_after_head = false;
    std::string error;  // error_text() after next() reported failed
    bool finish_ok = true;
    std::string finish_error;  // error_text() after finish()

    [[nodiscard]] std::string header(std::string_view name) const;
};

struct RunOptions {
    bool client_gone = false;    // the sink refuses write(): client disconnected
    int stop_after_chunks = -1;  // worker stops pulling after N chunks (client went away)
};

/// Drives one exchange the way the worker does: start, next() until done/failed or
/// `last`, finish(). Chunk::Kind::file regions are read back with pread.
Response run(App& app, const Request& request, RunOptions options = {});

/// A request with headers kept alive by the returned holder.
struct RequestBuilder {
    Request request;
    std::vector<Header> headers;
    RequestBuilder& header(std::string_view name, std::string_view value) {
        headers.push_back({name, value});
        request.headers = headers;
        return *this;
    }
};

/// Evaluates a Python expression (reach fixture modules with __import__("name")) and returns str()
/// of the result; "<error: ...>" with the traceback when it raised.
std::string py_eval(const std::string& expression);
/// Runs Python statements; returns "" or the traceback.
std::string py_exec(const std::string& statements);

}  // namespace paasrun::wsgi::test
