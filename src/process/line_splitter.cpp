#include "process/line_splitter.hpp"

namespace paasrun::process {
namespace {

std::string_view strip_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

}  // namespace

void LineSplitter::feed(std::string_view chunk, const Emit& emit) {
    while (!chunk.empty()) {
        auto nl = chunk.find('\n');
        auto room = max_line_ - partial_.size();
        if (nl != std::string_view::npos && nl <= room) {
            if (partial_.empty()) {
                emit(strip_cr(chunk.substr(0, nl)));  // common case: no copy
            } else {
                partial_.append(chunk.substr(0, nl));
                emit(strip_cr(partial_));
                partial_.clear();
            }
            chunk.remove_prefix(nl + 1);
            continue;
        }
        if (chunk.size() <= room) {
            partial_.append(chunk);
            return;
        }
        // The line is too long: emit a max_line piece and carry on with the rest.
        partial_.append(chunk.substr(0, room));
        chunk.remove_prefix(room);
        emit(partial_);
        partial_.clear();
    }
}

void LineSplitter::finish(const Emit& emit) {
    if (partial_.empty()) return;
    emit(strip_cr(partial_));
    partial_.clear();
}

}  // namespace paasrun::process
