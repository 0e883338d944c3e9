#include "supervisor/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "supervisor/prefix.hpp"

namespace paasrun::supervisor {

void Output::format_line(std::string& batch, std::string_view name, std::string_view color,
                         std::string_view line) const {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    batch += format_prefix(local, name, width_, color_ ? color : std::string_view{});
    batch += line;
    batch += '\n';
    if (tap_) {
        std::timespec utc{};
        clock_gettime(CLOCK_REALTIME, &utc);
        tap_(format_log_record(utc, name, line));
    }
}

void Output::write(std::string_view batch) const {
    while (!batch.empty()) {
        ssize_t n = ::write(fd_, batch.data(), batch.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EPIPE or a closed stdout: the log has nowhere to go
        }
        batch.remove_prefix(static_cast<std::size_t>(n));
    }
}

void Output::named_line(std::string_view name, std::string_view text) const {
    std::string batch;
    format_line(batch, name, system_color(), text);
    write(batch);
}

void Output::system(log::Level level, std::string_view text, std::string_view component) const {
    auto line = log::format_line(level, component, text);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::string batch;
    format_line(batch, "system", system_color(), line);
    write(batch);
}

void ChildOutput::relay(std::string_view chunk) {
    std::string batch;
    splitter_.feed(chunk,
                   [&](std::string_view line) { out_->format_line(batch, name_, color_, line); });
    out_->write(batch);
}

void ChildOutput::finish() {
    std::string batch;
    splitter_.finish([&](std::string_view line) { out_->format_line(batch, name_, color_, line); });
    out_->write(batch);
}

}  // namespace paasrun::supervisor
