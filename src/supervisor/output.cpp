#include "supervisor/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "supervisor/prefix.hpp"
#include "util/log_fields.hpp"

namespace paasrun::supervisor {

namespace {

// One process line as a JSON object: a line that already is one gets "proc" in front.
std::string json_process_line(std::string_view name, std::string_view line) {
    if (line.size() >= 2 && line.front() == '{' && line.back() == '}')
        return "{\"proc\":" + log::json_string(name) + (line.size() > 2 ? "," : "") +
               std::string(line.substr(1));
    return "{\"time\":" + log::json_string(log::utc_now()) + ",\"proc\":" + log::json_string(name) +
           ",\"line\":" + log::json_string(line) + "}";
}

}  // namespace

void Output::format_line(std::string& batch, std::string_view name, std::string_view color,
                         std::string_view line, std::string_view tap_line) const {
    if (style_ == LogStyle::json) {
        batch += json_process_line(name, line);
    } else {
        std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        batch += format_prefix(local, name, width_, color_ ? color : std::string_view{});
        batch += line;
    }
    batch += '\n';
    if (tap_) {
        std::timespec utc{};
        clock_gettime(CLOCK_REALTIME, &utc);
        tap_(format_log_record(utc, name, tap_line.empty() ? line : tap_line));
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
    auto logfmt = log::format_line(level, component, text);
    if (!logfmt.empty() && logfmt.back() == '\n') logfmt.pop_back();
    std::string line;
    if (style_ == LogStyle::human) {
        line = component == "supervisor"
                   ? human_line(level, text)
                   : fmt::format("{}: {}", component, human_line(level, text));
    } else if (style_ == LogStyle::json) {
        static constexpr std::string_view kLevels[] = {"debug", "info", "warn", "error"};
        line = log::json_line(log::utc_now(), kLevels[static_cast<int>(level)], component,
                              log::parse_fields(text));
    } else {
        line = logfmt;
    }
    std::string batch;
    format_line(batch, "system", system_color(), line, logfmt);
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
