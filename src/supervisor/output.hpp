// Output: the multiplexed log the supervisor writes to its stdout.
//
// Every line, from a child or from the supervisor itself, becomes one prefixed line
// (prefix.hpp) written with a single write(2) where the kernel allows (a batch of lines is
// written together, and a short write is completed before anything else is written), so
// lines are never interleaved mid-line. The supervisor is the only writer of this stream:
// children write into per-process pipes (see ChildOutput).
//
// The supervisor's own lines are logfmt (util/log.hpp's format, component=supervisor)
// under the name `system`.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "process/line_splitter.hpp"
#include "supervisor/human_log.hpp"
#include "util/log.hpp"

namespace paasrun::supervisor {

class Output {
public:
    /// `width`: the longest process name (names are padded to it); `color`: ANSI on/off.
    Output(int fd, std::size_t width, bool color) : fd_(fd), width_(width), color_(color) {}

    [[nodiscard]] bool color() const { return color_; }

    /// How lines are written (human_log.hpp). logfmt: as described above; human: the
    /// supervisor's own lines in their short form; json: every line one JSON object without
    /// the prefix, a process's line under "proc" (a line that is itself a JSON object, such
    /// as the arbiter's with PAASRUN_LOG_FORMAT=json, gets "proc" added). Set before the loop.
    void set_style(LogStyle style) { style_ = style; }

    /// Called with every line written, as a timestamped record (prefix.hpp:
    /// format_log_record, never coloured): the admin API's log buffer. Set before the loop
    /// runs.
    void set_tap(std::function<void(std::string_view)> tap) { tap_ = std::move(tap); }

    /// Appends one prefixed line to `batch` (name's colour applied when enabled).
    /// `tap_line`: what the tap records instead of `line` when non-empty (the supervisor's
    /// own lines stay logfmt there whatever the style: `paasrun logs` is read by tools).
    void format_line(std::string& batch, std::string_view name, std::string_view color,
                     std::string_view line, std::string_view tap_line = {}) const;
    /// Writes a batch built with format_line (whole, retrying short writes).
    void write(std::string_view batch) const;

    /// A supervisor log line (logfmt) under the `system` name; dropped below the log level.
    void system(log::Level level, std::string_view text,
                std::string_view component = "supervisor") const;
    /// One line under another name (the deploy engine's build output: `build`).
    void named_line(std::string_view name, std::string_view text) const;

    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) const {
        if (log::level() <= log::Level::info)
            system(log::Level::info, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> f, Args&&... args) const {
        if (log::level() <= log::Level::warn)
            system(log::Level::warn, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) const {
        system(log::Level::error, fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const {
        if (log::level() <= log::Level::debug)
            system(log::Level::debug, fmt::format(f, std::forward<Args>(args)...));
    }

private:
    int fd_;
    std::size_t width_;
    bool color_;
    LogStyle style_ = LogStyle::logfmt;
    std::function<void(std::string_view)> tap_;
};

/// One child's output pipe: splits it into lines and writes them under the child's name.
class ChildOutput {
public:
    ChildOutput(const Output& out, std::string name, std::string_view color)
        : out_(&out), name_(std::move(name)), color_(color) {}

    /// Relays a chunk read from the pipe; complete lines are written at once.
    void relay(std::string_view chunk);
    /// End of stream: writes the held partial line, if any.
    void finish();

private:
    const Output* out_;
    std::string name_;
    std::string_view color_;
    process::LineSplitter splitter_;
};

}  // namespace paasrun::supervisor
