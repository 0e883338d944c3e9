// LineSplitter: turns a byte stream (a child's stdout/stderr pipe) into whole lines.
//
// Pipes deliver arbitrary chunks: a line can arrive in pieces, several lines in one read.
// The splitter holds a partial line until its newline arrives, so the relayed log never
// shows half a line followed by another process's output. Two bounds keep it safe:
// - a line longer than `max_line` bytes is emitted in max_line-sized pieces (a child that
//   never writes a newline cannot make the supervisor buffer without limit);
// - finish() emits whatever is held when the stream ends (process exit, EOF).
// A trailing "\r" (CRLF output) is dropped with the "\n". Pure: no I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace paasrun::process {

class LineSplitter {
public:
    using Emit = std::function<void(std::string_view line)>;

    static constexpr std::size_t kDefaultMaxLine = 64 * 1024;

    explicit LineSplitter(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

    /// Feeds a chunk; calls `emit` once per completed line (without its newline).
    void feed(std::string_view chunk, const Emit& emit);
    /// Emits the held partial line, if any (end of stream).
    void finish(const Emit& emit);

    [[nodiscard]] std::size_t pending() const { return partial_.size(); }

private:
    std::size_t max_line_;
    std::string partial_;
};

}  // namespace paasrun::process
