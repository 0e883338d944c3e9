#include "worker/body.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "util/fd_io.hpp"

namespace paasrun::worker {
namespace {

std::error_code last_error() {
    return {errno, std::generic_category()};
}

// An anonymous file: O_TMPFILE has no name at all; the fallback unlinks at once, so the data
// never outlives the fd even if the worker is killed.
int open_anonymous(const std::string& dir) {
#ifdef O_TMPFILE
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT) return -1;
#endif
    std::string path = dir + "/paasrun-body-XXXXXX";
    int tfd = ::mkostemp(path.data(), O_CLOEXEC);
    if (tfd < 0) return -1;
    ::unlink(path.c_str());
    return tfd;
}

}  // namespace

bool BodyMemoryBudget::try_charge(std::size_t n) {
    auto used = used_.load(std::memory_order_relaxed);
    do {
        if (n > limit_ || used > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
}

void BodyMemoryBudget::release(std::size_t n) {
    used_.fetch_sub(n, std::memory_order_relaxed);
}

BodyMemoryBudget& BodyMemoryBudget::process() {
    static BodyMemoryBudget budget;
    return budget;
}

RequestBody::RequestBody(std::size_t memory_limit, std::string spool_dir, BodyMemoryBudget& budget)
    : memory_limit_(memory_limit), spool_dir_(std::move(spool_dir)), budget_(&budget) {}

RequestBody::~RequestBody() {
    budget_->release(std::exchange(charged_, 0));
}

std::string RequestBody::default_spool_dir() {
    const char* t = std::getenv("TMPDIR");
    return (t && *t) ? std::string(t) : std::string("/tmp");
}

void RequestBody::reset() {
    budget_->release(std::exchange(charged_, 0));
    spool_.reset();
    size_ = 0;
    mem_.clear();
    if (mem_.capacity() > kRetainedCapacity) mem_.shrink_to_fit();
}

std::error_code RequestBody::spill() {
    int fd = open_anonymous(spool_dir_);
    if (fd < 0) return last_error();
    spool_.reset(fd);
    auto ec = write_all(fd, mem_);
    mem_.clear();
    mem_.shrink_to_fit();
    budget_->release(std::exchange(charged_, 0));
    return ec;
}

std::error_code RequestBody::append(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (!spooled() &&
        (mem_.size() + bytes.size() > memory_limit_ || !budget_->try_charge(bytes.size()))) {
        if (auto ec = spill()) return ec;
    } else if (!spooled()) {
        charged_ += bytes.size();
    }
    size_ += bytes.size();
    if (spooled()) return write_all(spool_.get(), bytes);
    mem_.append(bytes);
    return {};
}

std::size_t RequestBody::read_at(std::uint64_t offset, char* dst, std::size_t n,
                                 std::error_code& ec) const {
    if (offset >= size_) return 0;
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size_ - offset));
    if (!spooled()) {
        std::memcpy(dst, mem_.data() + offset, n);
        return n;
    }
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = ::pread(spool_.get(), dst + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0) {
            if (errno == EINTR) continue;
            ec = last_error();
            return done;
        }
        if (r == 0) break;
        done += static_cast<std::size_t>(r);
    }
    return done;
}

std::size_t BodyReader::read(char* dst, std::size_t n, std::error_code& ec) {
    std::size_t got = body_->read_at(pos_, dst, n, ec);
    pos_ += got;
    return got;
}

void BodyReader::readline(std::string& out, std::size_t limit, std::error_code& ec) {
    if (!body_->spooled()) {
        auto mem = body_->memory().substr(static_cast<std::size_t>(pos_));
        auto take = std::min(limit, mem.size());
        auto nl = mem.substr(0, take).find('\n');
        if (nl != std::string_view::npos) take = nl + 1;
        out.append(mem.data(), take);
        pos_ += take;
        return;
    }
    char buf[4096];
    while (limit > 0) {
        std::size_t want = std::min(limit, sizeof buf);
        std::size_t got = body_->read_at(pos_, buf, want, ec);
        if (got == 0 || ec) return;
        std::string_view chunk(buf, got);
        auto nl = chunk.find('\n');
        if (nl != std::string_view::npos) {
            out.append(buf, nl + 1);
            pos_ += nl + 1;
            return;
        }
        out.append(buf, got);
        pos_ += got;
        limit -= got;
    }
}

}  // namespace paasrun::worker
