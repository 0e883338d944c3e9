// App threads: each holds a PythonThread and takes the GIL with GilGuard per step, the way
// a worker with --threads > 1 does; the main thread releases the GIL meanwhile.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "support.hpp"
#include "wsgi/interpreter.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;

TEST_CASE("threads: concurrent exchanges on app threads", "[wsgi][threads]") {
    App& hello = app("echo_app:hello");
    App& gen = app("stream_app:generator");
    std::atomic<int> ok{0};
    std::atomic<int> bad{0};
    constexpr int kThreads = 4;
    constexpr int kRequests = 200;
    {
        GilRelease release;  // the main thread's GIL goes to the app threads
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                PythonThread attach;
                std::unique_ptr<Exchange> ex;
                {
                    GilGuard gil;
                    ex = std::make_unique<Exchange>(t % 2 ? hello : gen);
                }
                for (int i = 0; i < kRequests; ++i) {
                    std::string body;
                    bool failed = false;
                    {
                        GilGuard gil;
                        Request req;
                        ex->start(req, nullptr);
                    }
                    for (;;) {
                        Chunk c;
                        {
                            GilGuard gil;
                            c = ex->next();
                        }
                        // Chunk views stay valid without the GIL until the next next().
                        if (c.kind == Chunk::Kind::data) body.append(c.data);
                        if (c.kind == Chunk::Kind::failed) failed = true;
                        if (c.kind != Chunk::Kind::data || c.last) break;
                    }
                    {
                        GilGuard gil;
                        failed = !ex->finish() || failed;
                    }
                    bool right =
                        t % 2 ? body == "Hello, World!" : body == "chunk0\nchunk1\nchunk2\n";
                    (right && !failed ? ok : bad)++;
                }
                GilGuard gil;
                ex.reset();
            });
        }
        for (auto& th : threads) th.join();
    }
    CHECK(bad == 0);
    CHECK(ok == kThreads * kRequests);
}

TEST_CASE("threads: threading.local survives across GIL acquisitions of a PythonThread",
          "[wsgi][threads]") {
    REQUIRE(py_exec("import threading\n"
                    "__import__('sys').modules['tl_probe'] = type(__import__('sys'))('tl_probe')\n"
                    "__import__('tl_probe').local = threading.local()\n")
                .empty());
    std::string seen;
    {
        GilRelease release;
        std::thread th([&] {
            PythonThread attach;
            {
                GilGuard gil;
                REQUIRE(py_exec("__import__('tl_probe').local.value = 'kept'").empty());
            }
            GilGuard gil;
            seen = py_eval("getattr(__import__('tl_probe').local, 'value', 'lost')");
        });
        th.join();
    }
    CHECK(seen == "kept");
}
