// Runtime: the ASGI side of a worker: one asyncio event loop (uvloop when the app's
// environment has it) on its own thread, the app's lifespan, and the hand-over of requests
// from the front end's loop thread. docs/asgi.md has the threading model and the cost of
// each hop.
//
//   front end (asio thread, never the GIL)        event loop thread (holds the GIL while
//                                                 it runs Python; uvloop drops it in epoll)
//   submit(ex) / notify(ex, ...) -> Inbox: mutex + vector + eventfd  -> drain(): scopes,
//                                                                       tasks, wake-ups
//   <- ResponseSink calls (OutputQueue append, asio::post)           <- the app's send()
//
// The inbox coalesces wake-ups: the eventfd is written only when the loop thread is not
// already about to drain, so a busy worker pays one eventfd write per batch of requests.
//
// Lifecycle (worker_main): load the app (wsgi::App) -> Runtime::start() (main thread, GIL
// held) -> startup() -> serve -> shutdown() -> stop(). The heartbeat: the loop thread stamps
// last_tick_ms() every 250 ms; the worker beats the arbiter's heartbeat only while that is
// fresh, so an app that blocks the event loop (a sync call in an async view) gets the same
// stack dump and replacement as a stuck WSGI worker.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "asgi/exchange.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"
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
    enum class Event : std::uint8_t { request, wake, cancel };

    /// Creates the event loop and starts its thread. Main thread, GIL held; `app` outlives
    /// the runtime.
    [[nodiscard]] static Result<std::unique_ptr<Runtime>> start(const wsgi::App& app,
                                                                const RuntimeOptions& options);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// "uvloop" or "asyncio".
    [[nodiscard]] const std::string& loop_name() const { return loop_name_; }

    /// Runs the lifespan startup on the loop and waits for it. Main thread, GIL held (it is
    /// released while waiting). An Error means the runtime itself failed.
    [[nodiscard]] Result<StartupResult> startup();
    /// Lets request tasks still running (background tasks) finish within `grace`, cancels
    /// the rest, then runs the lifespan shutdown (when startup ran it) within what is left.
    /// Main thread, GIL NOT held.
    void shutdown(std::chrono::milliseconds grace);
    /// Stops the loop and joins its thread. Main thread, GIL NOT held. Idempotent.
    void stop();

    // ---- front end side (any thread, no GIL) -------------------------------------------
    void submit(std::shared_ptr<Exchange> ex) { push(Event::request, std::move(ex)); }
    /// Wakes the task's waiters (disconnect, room in the output), or cancels it (timeout:
    /// its stack is logged first).
    void notify(std::shared_ptr<Exchange> ex, Event e) { push(e, std::move(ex)); }
    /// CLOCK_MONOTONIC ms of the loop's last 250 ms tick.
    [[nodiscard]] std::int64_t last_tick_ms() const {
        return last_tick_ms_.load(std::memory_order_relaxed);
    }

    struct Impl;  // Python state, private to runtime.cpp

private:
    Runtime() = default;
    void push(Event e, std::shared_ptr<Exchange> ex);

    struct Item {
        Event event;
        std::shared_ptr<Exchange> exchange;
    };
    friend struct Impl;

    std::mutex mu_;
    std::vector<Item> items_;
    bool signalled_ = false;  // an eventfd write is pending the loop's drain
    unique_fd wake_fd_;
    std::atomic<std::int64_t> last_tick_ms_{0};
    std::string loop_name_;
    std::unique_ptr<Impl> impl_;
    std::thread thread_;
    bool stopped_ = false;
};

}  // namespace paasrun::asgi
