#include "serve/heartbeat.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <ctime>
#include <utility>

namespace paasrun::worker {
namespace {

using Slot = std::atomic<std::int64_t>;
static_assert(Slot::is_always_lock_free, "a heartbeat slot must be lock-free to be shared");

Result<Slot*> map_slot(int fd) {
    void* p = ::mmap(nullptr, sizeof(Slot), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return sys_error("mmap(heartbeat fd {})", fd);
    return static_cast<Slot*>(p);
}

void unmap_slot(Slot* s) {
    if (s) ::munmap(static_cast<void*>(s), sizeof(Slot));
}

}  // namespace

std::int64_t monotonic_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

Result<HeartbeatSlot> HeartbeatSlot::create(std::int64_t now_ms) {
    // memfd: anonymous, no path to clean up; MFD_CLOEXEC so only the worker it is handed to
    // (explicitly, by the arbiter's spawn code) ever gets a copy.
    unique_fd fd{::memfd_create("paasrun-heartbeat", MFD_CLOEXEC)};
    if (!fd) return sys_error("memfd_create(heartbeat)");
    if (::ftruncate(fd.get(), sizeof(Slot)) == -1) return sys_error("ftruncate(heartbeat)");
    auto slot = map_slot(fd.get());
    if (!slot) return slot.error();
    (*slot)->store(now_ms, std::memory_order_relaxed);
    return HeartbeatSlot(std::move(fd), *slot);
}

HeartbeatSlot::HeartbeatSlot(HeartbeatSlot&& o) noexcept
    : fd_(std::move(o.fd_)), slot_(std::exchange(o.slot_, nullptr)) {}

HeartbeatSlot& HeartbeatSlot::operator=(HeartbeatSlot&& o) noexcept {
    if (this != &o) {
        unmap_slot(slot_);
        fd_ = std::move(o.fd_);
        slot_ = std::exchange(o.slot_, nullptr);
    }
    return *this;
}

HeartbeatSlot::~HeartbeatSlot() {
    unmap_slot(slot_);
}

std::int64_t HeartbeatSlot::last_beat_ms() const noexcept {
    return slot_ ? slot_->load(std::memory_order_relaxed) : 0;
}

Result<HeartbeatWriter> HeartbeatWriter::attach(int fd) {
    auto slot = map_slot(fd);
    if (!slot) return slot.error();
    return HeartbeatWriter(*slot);
}

HeartbeatWriter::HeartbeatWriter(HeartbeatWriter&& o) noexcept
    : slot_(std::exchange(o.slot_, nullptr)) {}

HeartbeatWriter& HeartbeatWriter::operator=(HeartbeatWriter&& o) noexcept {
    if (this != &o) {
        unmap_slot(slot_);
        slot_ = std::exchange(o.slot_, nullptr);
    }
    return *this;
}

HeartbeatWriter::~HeartbeatWriter() {
    unmap_slot(slot_);
}

void HeartbeatWriter::beat() noexcept {
    if (slot_) slot_->store(monotonic_ms(), std::memory_order_relaxed);
}

}  // namespace paasrun::worker
