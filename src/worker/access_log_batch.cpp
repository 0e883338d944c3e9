#include "worker/access_log_batch.hpp"

#include <unistd.h>

namespace paasrun::worker {

bool AccessLogBatch::add(std::string_view line) {
    if (!buf_.empty() && buf_.size() + line.size() > kMaxBatch) flush();
    bool was_empty = buf_.empty();
    if (line.size() >= kMaxBatch) {  // alone, in one write, as before batching
        flush();
        [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
        return false;
    }
    if (buf_.capacity() < kMaxBatch) buf_.reserve(kMaxBatch);
    buf_.append(line);
    return was_empty;
}

void AccessLogBatch::flush() {
    if (buf_.empty()) return;
    [[maybe_unused]] auto n = ::write(fd_, buf_.data(), buf_.size());
    buf_.clear();
}

}  // namespace paasrun::worker
