// Runtime: the ASGI side of a worker: one asyncio event loop (uvloop when the app's
// environment has it) that runs on the worker's main thread and DRIVES the C++ front end:
// the loop watches the Boost.Asio reactor's epoll fd and runs io_context::poll() when it is
// readable. So the front end and the app share one thread and the GIL is held throughout:
// a request goes from the C++ parser to the app's task with a direct call, and the response
// back through the connection's OutputQueue and an asio::post on the same thread. No thread
// hop, no GIL hand-over per request. docs/asgi.md has the model and the measured costs.
//
//   uvloop run_forever (GIL held; released only inside epoll_wait)
//     ├─ reader on asio's epoll fd -> io.poll(): accept, parse, read bodies, write, static
//     │     files; a complete request -> submit() -> scope + Port + task (no await yet)
//     └─ tasks: app(scope, receive, send); send() -> ResponseSink (encode, queue, post)
//
// Lifecycle (worker_main): load the app (wsgi::App) -> create() -> startup() (lifespan,
// before READY) -> run(fd, poll) until stop_soon() -> shutdown() (background tasks, then
// lifespan shutdown). Every member needs the GIL and the thread that created the runtime.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "asgi/exchange.hpp"
#include "asgi/websocket.hpp"
#include "util/result.hpp"
#include "wsgi/app.hpp"

namespace paasrun::asgi {

/// True when the loaded callable is an ASGI 3 app: a coroutine function, or an object whose
/// __call__ is one (Starlette, FastAPI, Django's ASGIHandler). GIL held.
[[nodiscard]] bool looks_like_asgi(const wsgi::App& app);

struct RuntimeOptions {
    bool prefer_uvloop = true;
};

/// What the lifespan startup said.
struct StartupResult {
    enum class Kind { ok, unsupported, failed };
    Kind kind = Kind::ok;
    std::string message;  // failed: the app's message; unsupported: the exception text
};

class Runtime {
public:
    enum class Event : std::uint8_t { wake, cancel };

    /// Creates the event loop. `app` outlives the runtime.
    [[nodiscard]] static Result<std::unique_ptr<Runtime>> create(const wsgi::App& app,
                                                                 const RuntimeOptions& options);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// "uvloop" or "asyncio".
    [[nodiscard]] const std::string& loop_name() const { return loop_name_; }

    /// Runs the lifespan startup to completion. An Error means the runtime itself failed.
    [[nodiscard]] Result<StartupResult> startup();
    /// Runs the loop until stop_soon(); `on_readable` is called whenever `fd` (the asio
    /// reactor's epoll fd) is readable, and once at the start.
    [[nodiscard]] Status run(int fd, std::function<void()> on_readable);
    /// Makes run() return after the current callback (call from inside it).
    void stop_soon();
    /// After run(): lets request tasks still running (background tasks, a handler that
    /// ignores the drain) finish until `cancel_at`, cancels the rest (each one's stack is
    /// logged, as a request timeout's) and gives them `cancel_wait` to unwind, then runs the
    /// lifespan shutdown (when startup ran it) until `exit_by` (worker/drain_budget.hpp).
    void shutdown(std::chrono::steady_clock::time_point cancel_at,
                  std::chrono::milliseconds cancel_wait,
                  std::chrono::steady_clock::time_point exit_by);

    // ---- the front end (inside run(), GIL held) ----------------------------------------
    /// Runs the front end's ready handlers on the loop's next turn (once, however often it
    /// is called before that). Asio cannot know that a handler was posted from outside
    /// io_context::poll(): after a poll its reactor does not signal posts, so the app side
    /// calls this after every asio::post it makes (response bytes, response complete).
    void schedule_poll();
    /// Starts the app's task for a request (the task runs on the loop's next turn).
    void submit(const std::shared_ptr<Exchange>& ex);
    /// Wakes the task's waiters (disconnect, room in the output), or cancels it (timeout:
    /// its stack is logged first).
    void notify(const std::shared_ptr<Exchange>& ex, Event e);
    /// WebSockets (asgi/websocket.hpp, implemented in websocket_port.cpp): starts the app's
    /// task with a `websocket` scope; wakes it when it waits (news in the inbox, room in the
    /// output). False when the task could not be started (logged; the caller answers 500).
    [[nodiscard]] bool submit_websocket(const std::shared_ptr<WsExchange>& ex);
    void wake_websocket(const std::shared_ptr<WsExchange>& ex);

    struct Impl;  // Python state, private to src/asgi

private:
    Runtime() = default;
    std::string loop_name_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace paasrun::asgi
