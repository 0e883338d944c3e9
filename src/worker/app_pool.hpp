// AppPool: the --threads app threads of a worker (used only when threads > 1).
//
// The event loop never runs Python when there is a pool: it posts a ready request (head and
// whole body already read) as a job here, and an app thread runs it with the GIL. A job is an
// intrusive AppJob so posting does not allocate (the connection itself is the job).
//
// Ordering: FIFO. Fairness between connections comes from the loop posting one request per
// connection at a time (pipelined requests wait for the previous response).
//
// Shutdown: stop() lets queued jobs run (a graceful stop finishes accepted requests), then
// joins. Jobs must not post to a stopped pool (post() returns false and does not run them).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace paasrun::worker {

/// Something an app thread runs. The poster keeps it alive until run() returns (connections
/// hold a self-reference while a job is queued).
class AppJob {
public:
    AppJob() = default;
    AppJob(const AppJob&) = delete;
    AppJob& operator=(const AppJob&) = delete;
    virtual void run_app_job() = 0;

protected:
    virtual ~AppJob() = default;

private:
    friend class AppPool;
    AppJob* next_job_ = nullptr;  // intrusive FIFO link, owned by AppPool while queued
};

class AppPool {
public:
    /// `on_thread_start`/`on_thread_exit` run on each app thread (the wsgi bridge registers
    /// the thread with the interpreter there).
    AppPool(std::size_t threads, std::function<void()> on_thread_start = {},
            std::function<void()> on_thread_exit = {});
    AppPool(const AppPool&) = delete;
    AppPool& operator=(const AppPool&) = delete;
    ~AppPool();

    /// Queues a job; false after stop().
    bool post(AppJob& job);
    /// Runs what is queued, then joins every thread. Idempotent.
    void stop();

    [[nodiscard]] std::size_t size() const { return threads_.size(); }
    /// Jobs queued and not yet started (for tests and logs).
    [[nodiscard]] std::size_t queued() const;
    /// Jobs running right now.
    [[nodiscard]] std::size_t busy() const;

private:
    void thread_main();

    mutable std::mutex mu_;
    std::condition_variable cv_;
    AppJob* head_ = nullptr;
    AppJob* tail_ = nullptr;
    std::size_t queued_ = 0;
    std::size_t busy_ = 0;
    bool stopping_ = false;
    std::function<void()> on_start_;
    std::function<void()> on_exit_;
    std::vector<std::thread> threads_;
};

}  // namespace paasrun::worker
