#include "worker/connection_memory.hpp"

#include <malloc.h>

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

bool HeapTrimmer::on_tick() {
    if (closed_ < kTrimAfterCloses) return false;
    closed_ = 0;
    // glibc frees to the kernel only from the top of the heap (and mmap'd chunks). Freed
    // connections sit below long-lived allocations, so without this their pages stay
    // resident until the process exits. malloc_trim(0) madvises every free page away, in
    // every arena; it costs a heap walk (~ms for hundreds of MiB), hence the batching.
    ::malloc_trim(0);
    return true;
}

}  // namespace paasrun::worker
