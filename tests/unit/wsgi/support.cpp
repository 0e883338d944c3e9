#include "support.hpp"

#include <unistd.h>

// Listeners are part of Catch2 v2's "external interfaces".
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <map>
#include <memory>

#include "wsgi/interpreter.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi::test {
namespace {

std::unique_ptr<Interpreter>& interpreter_slot() {
    static std::unique_ptr<Interpreter> interp;
    return interp;
}

std::map<std::string, std::unique_ptr<App>>& apps() {
    static std::map<std::string, std::unique_ptr<App>> loaded;
    return loaded;
}

// Initialises Python before the first test and finalizes it after the last, so the
// whole run also checks that finalization does not crash on our types.
struct PythonListener : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;

    void testRunStarting(const Catch::TestRunInfo& info) override {
        TestEventListenerBase::testRunStarting(info);
        InterpreterOptions options;
        options.venv = "";
        options.pythonpath = {fixtures_dir()};
        options.argv = {"unit_wsgi"};
        // Hermetic: no VIRTUAL_ENV / PYTHONPATH from the developer's shell.
        // No __pycache__ in the source tree's fixtures.
        options.env = [](std::string_view name) -> std::optional<std::string> {
            if (name == "PYTHONDONTWRITEBYTECODE") return "1";
            return std::nullopt;
        };
        auto r = Interpreter::initialize(options);
        if (!r) {
            fprintf(stderr, "python init failed: %s\n", r.error().message.c_str());
            std::abort();
        }
        interpreter_slot() = std::make_unique<Interpreter>(std::move(*r));
    }

    void testRunEnded(const Catch::TestRunStats& stats) override {
        apps().clear();
        interpreter_slot().reset();
        TestEventListenerBase::testRunEnded(stats);
    }
};

}  // namespace
}  // namespace paasrun::wsgi::test

using WsgiPythonListener = paasrun::wsgi::test::PythonListener;
CATCH_REGISTER_LISTENER(WsgiPythonListener)

namespace paasrun::wsgi::test {

Interpreter& interpreter() {
    return *interpreter_slot();
}

std::string fixtures_dir() {
    return std::string(PAASRUN_FIXTURES) + "/apps/wsgi";
}

std::vector<std::string>& errors_lines() {
    static std::vector<std::string> lines;
    return lines;
}

App& app(const std::string& spec) {
    auto& loaded = apps();
    if (auto it = loaded.find(spec); it != loaded.end()) return *it->second;
    AppOptions options;
    options.multithread = true;
    options.multiprocess = false;
    options.server_software = "paasrun-test";
    options.errors = [](std::string_view line) { errors_lines().emplace_back(line); };
    auto r = App::load(spec, options);
    if (!r) FAIL("loading " << spec << ": " << r.error().message);
    auto& slot = loaded[spec];
    slot = std::make_unique<App>(std::move(*r));
    return *slot;
}

std::string Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k == name) return v;
    return {};
}

namespace {

void take_head(Response& r, const ResponseHead& head) {
    REQUIRE_FALSE(r.committed);  // the head is committed exactly once
    r.committed = true;
    r.status_code = head.status_code;
    r.status = std::string(head.status);
    for (const auto& h : head.headers) r.headers.emplace_back(h.name, h.value);
    r.content_length = head.content_length;
    r.length_hint = head.body_length_hint;
    r.close = head.close;
}

struct Sink : ResponseSink {
    Response& r;
    bool gone;
    Sink(Response& resp, bool client_gone) : r(resp), gone(client_gone) {}
    bool write(const ResponseHead* head, std::string_view data) override {
        if (gone) return false;
        CHECK_FALSE(data.empty());
        if (head != nullptr) take_head(r, *head);
        CHECK(r.committed);
        GilRelease release;  // what a blocking worker does; nothing Python in here
        r.body.append(data);
        ++r.write_calls;
        return true;
    }
};

}  // namespace

Response run(App& application, const Request& request, RunOptions options) {
    Response r;
    Sink sink(r, options.client_gone);
    Exchange ex(application);
    ex.start(request, &sink);
    int chunks = 0;
    for (;;) {
        if (options.stop_after_chunks >= 0 && chunks >= options.stop_after_chunks) break;
        Chunk c = ex.next();
        if (c.head != nullptr) take_head(r, *c.head);
        if (c.kind == Chunk::Kind::done) break;
        if (c.kind == Chunk::Kind::failed) {
            r.failed = true;
            r.failed_after_head = c.head_sent;
            r.error = ex.error_text();
            break;
        }
        ++chunks;
        if (c.kind == Chunk::Kind::data) {
            ++r.data_chunks;
            r.body.append(c.data);
        } else {
            ++r.file_chunks;
            std::string buf(c.file.length, '\0');
            auto n = ::pread(c.file.fd, buf.data(), buf.size(), static_cast<off_t>(c.file.offset));
            REQUIRE(n == static_cast<ssize_t>(buf.size()));
            r.body += buf;
        }
        if (c.last) {
            r.last_seen = true;
            // `last` promises that next() has nothing more: check it.
            Chunk after = ex.next();
            CHECK(after.kind == Chunk::Kind::done);
            CHECK(after.head == nullptr);
            break;
        }
    }
    r.finish_ok = ex.finish();
    r.finish_error = ex.error_text();
    return r;
}

std::string py_eval(const std::string& expression) {
    PyRef globals(PyDict_New());
    PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
    PyRef result(PyRun_String(expression.c_str(), Py_eval_input, globals.get(), globals.get()));
    if (!result) return "<error: " + take_python_error() + ">";
    PyRef s(PyObject_Str(result.get()));
    const char* text = s ? PyUnicode_AsUTF8(s.get()) : nullptr;
    return text ? text : "<unprintable>";
}

std::string py_exec(const std::string& statements) {
    PyRef globals(PyDict_New());
    PyDict_SetItemString(globals.get(), "__builtins__", PyEval_GetBuiltins());
    PyRef result(PyRun_String(statements.c_str(), Py_file_input, globals.get(), globals.get()));
    if (!result) return take_python_error();
    return {};
}

}  // namespace paasrun::wsgi::test
