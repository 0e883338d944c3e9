#include "worker/connection_memory.hpp"

#include <malloc.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace paasrun::worker {

std::string ReadBufferPool::take() {
    if (spare_.empty()) return std::string(kInitialReadBuffer, '\0');
    std::string b = std::move(spare_.back());
    spare_.pop_back();
    return b;
}

void ReadBufferPool::give(std::string&& buf) {
    if (buf.size() != kInitialReadBuffer || spare_.size() >= kMaxSpare) {
        std::string().swap(buf);  // grown buffers (long heads) are not pooled: free it now
        return;
    }
    spare_.push_back(std::move(buf));
}

void DescriptorStateReserve::ensure(boost::asio::io_context& io, std::size_t live) {
    while (reserved_ < live + kBatch) {
        // Registering a descriptor allocates its state; closing it returns the state to
        // asio's free list, where the next accepted sockets find it.
        std::vector<boost::asio::posix::stream_descriptor> batch;
        batch.reserve(kBatch);
        for (std::size_t i = 0; i < kBatch; ++i) {
            int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd < 0) return;  // out of fds: the batch's states are still reserved
            boost::system::error_code ec;
            batch.emplace_back(io);
            batch.back().assign(fd, ec);
            if (ec) {
                ::close(fd);
                return;
            }
            ++reserved_;
        }
    }
}

bool HeapTrimmer::on_tick() {
    bool burst_over = closed_ == closed_at_last_tick_;
    closed_at_last_tick_ = closed_;
    if (closed_ < kTrimAfterCloses && !(burst_over && closed_ >= kMinCloses)) return false;
    closed_ = closed_at_last_tick_ = 0;
    // glibc frees to the kernel only from the top of the heap (and mmap'd chunks). Freed
    // connections sit below long-lived allocations, so without this their pages stay
    // resident until the process exits. malloc_trim(0) madvises every free page away, in
    // every arena; it costs a heap walk (~ms for hundreds of MiB), hence the batching.
    ::malloc_trim(0);
    return true;
}

}  // namespace paasrun::worker
