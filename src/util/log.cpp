#include "util/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include "util/log_fields.hpp"

namespace paasrun::log {
namespace {

Level initial_level() {
    const char* env = std::getenv("PAASRUN_LOG_LEVEL");
    if (!env) return Level::info;
    std::string_view v = env;
    if (v == "debug") return Level::debug;
    if (v == "warn") return Level::warn;
    if (v == "error") return Level::error;
    return Level::info;
}

Format initial_format() {
    const char* env = std::getenv("PAASRUN_LOG_FORMAT");
    return env && std::string_view(env) == "json" ? Format::json : Format::logfmt;
}

std::atomic<Level> g_level{initial_level()};
std::atomic<Format> g_format{initial_format()};
std::atomic<int> g_fd{2};

const char* level_name(Level l) {
    switch (l) {
        case Level::debug:
            return "debug";
        case Level::info:
            return "info";
        case Level::warn:
            return "warn";
        case Level::error:
            return "error";
    }
    return "info";
}

// Splits "words words key=value ..." into the message and the key=value tail.
std::pair<std::string_view, std::string_view> split_message(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(' ', pos);
        auto word = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
        auto eq = word.find('=');
        if (eq != std::string_view::npos && eq > 0) {
            auto msg = text.substr(0, pos);
            while (!msg.empty() && msg.back() == ' ') msg.remove_suffix(1);
            return {msg, text.substr(pos)};
        }
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    return {text, {}};
}

}  // namespace

void set_level(Level l) {
    g_level = l;
}
Level level() {
    return g_level;
}
void set_fd(int fd) {
    g_fd = fd;
}
void set_format(Format f) {
    g_format = f;
}
Format format() {
    return g_format;
}

namespace {

// Per byte: kBare when it may stand in a bare logfmt value with NonAscii::keep, kBareEscape
// with NonAscii::escape (the access log): one table load per byte on the per-request path.
constexpr unsigned char kBare = 1, kBareEscape = 2;
constexpr auto kBareTable = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) {
        bool special = c == ' ' || c == '"' || c == '=' || c == '\\' || c < 0x20;
        if (special) continue;
        t[static_cast<std::size_t>(c)] = c >= 0x7f ? kBare : kBare | kBareEscape;
    }
    return t;
}();

}  // namespace

void append_quoted(std::string& out, std::string_view v, NonAscii non_ascii) {
    bool escape_high = non_ascii == NonAscii::escape;
    auto escaped = [&](unsigned char c) { return c < 0x20 || (escape_high && c >= 0x7f); };
    const unsigned char bare = escape_high ? kBareEscape : kBare;
    bool needs_quotes = v.empty();
    for (char ch : v) {
        if ((kBareTable[static_cast<unsigned char>(ch)] & bare) == 0) {
            needs_quotes = true;
            break;
        }
    }
    if (!needs_quotes) {
        out += v;
        return;
    }
    out += '"';
    for (char ch : v) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (escaped(c)) {
                    static constexpr char kHex[] = "0123456789abcdef";
                    out += "\\x";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xf];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

std::string quote(std::string_view v, NonAscii non_ascii) {
    std::string out;
    append_quoted(out, v, non_ascii);
    return out;
}

namespace {

// "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) for `now`. The part up to the seconds is formatted once
// per second and reused: every access log line needs it.
void append_time(std::string& out, std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    thread_local std::time_t cached_secs = -1;
    thread_local std::string cached;  // "YYYY-MM-DDTHH:MM:SS"
    auto secs = system_clock::to_time_t(now);
    if (secs != cached_secs) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        cached = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_secs = secs;
    }
    auto ms = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
    out += cached;
    out += '.';
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
}

}  // namespace

std::string utc_now() {
    std::string out;
    append_time(out, std::chrono::system_clock::now());
    return out;
}

bool append_line_head(std::string& out, Level l, std::string_view component, std::string_view msg) {
    using namespace std::string_view_literals;
    if (g_format == Format::json) return false;
    out += "time="sv;
    append_time(out, std::chrono::system_clock::now());
    out += " at="sv;
    out += level_name(l);
    out += " component="sv;
    out += component;
    out += " msg="sv;
    append_quoted(out, msg);
    return true;
}

std::string format_line(Level l, std::string_view component, std::string_view text) {
    auto now = std::chrono::system_clock::now();
    if (g_format == Format::json) {
        std::string time;
        append_time(time, now);
        return json_line(time, level_name(l), component, parse_fields(text)) + "\n";
    }
    auto [msg, rest] = split_message(text);
    std::string line;
    line.reserve(64 + component.size() + text.size());
    line += "time=";
    append_time(line, now);
    line += " at=";
    line += level_name(l);
    line += " component=";
    line += component;
    if (!msg.empty()) {
        line += " msg=";
        append_quoted(line, msg);
    }
    if (!rest.empty()) {
        line += ' ';
        line += rest;
    }
    line += '\n';
    return line;
}

void write(Level l, std::string_view component, std::string_view text) {
    auto line = format_line(l, component, text);
    const char* p = line.data();
    std::size_t left = line.size();
    int fd = g_fd;
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report a logging failure
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace paasrun::log
