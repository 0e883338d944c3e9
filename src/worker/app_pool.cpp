#include "worker/app_pool.hpp"

#include <utility>

namespace paasrun::worker {

AppPool::AppPool(std::size_t threads, std::function<void()> on_thread_start,
                 std::function<void()> on_thread_exit)
    : on_start_(std::move(on_thread_start)), on_exit_(std::move(on_thread_exit)) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { thread_main(); });
}

AppPool::~AppPool() {
    stop();
}

bool AppPool::post(AppJob& job) {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return false;
        job.next_job_ = nullptr;
        if (tail_)
            tail_->next_job_ = &job;
        else
            head_ = &job;
        tail_ = &job;
        ++queued_;
    }
    cv_.notify_one();
    return true;
}

void AppPool::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

std::size_t AppPool::queued() const {
    std::lock_guard lock(mu_);
    return queued_;
}

std::size_t AppPool::busy() const {
    std::lock_guard lock(mu_);
    return busy_;
}

void AppPool::thread_main() {
    if (on_start_) on_start_();
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return head_ != nullptr || stopping_; });
        if (!head_) break;  // stopping and drained
        AppJob* job = head_;
        head_ = job->next_job_;
        if (!head_) tail_ = nullptr;
        --queued_;
        ++busy_;
        lock.unlock();
        job->run_app_job();
        lock.lock();
        --busy_;
    }
    lock.unlock();
    if (on_exit_) on_exit_();
}

}  // namespace paasrun::worker
