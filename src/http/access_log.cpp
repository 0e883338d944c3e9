#include "http/access_log.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "util/log.hpp"
#include "util/log_fields.hpp"

namespace paasrun::http {
namespace {

// JSON string body: request paths are bytes, not UTF-8, so every byte outside printable
// ASCII is written as \u00XX (its latin-1 code point, PEP 3333's view of the bytes).
void append_json_string(std::string& out, std::string_view s) {
    log::append_json_string(out, s, log::NonAscii::escape);
}

// logfmt values go through util/log's quoter with every byte that is not printable ASCII
// escaped (\xNN), so a line stays one line of text whatever the client sent.
template <typename Int>
void append_number(std::string& out, Int n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

// As fmt's {:.3f} (std::to_chars fixed 3, which rounds the double's exact value), without
// to_chars' arbitrary-precision path for the common case: below 1e6 (x below 1e9) the
// product v * 1000 is within 6e-8 of the exact one, so unless its fraction lies within 1e-6
// of a half, rounding x gives the same digits; near a half, and for large or odd values,
// to_chars decides.
void append_fixed3(std::string& out, double v) {
    if (v >= 0 && v < 1e6 && !std::signbit(v)) {
        double x = v * 1000.0;
        double whole = std::floor(x);
        double frac = x - whole;
        if (std::fabs(frac - 0.5) > 1e-6) {
            auto n = static_cast<std::uint64_t>(whole) + (frac > 0.5 ? 1 : 0);
            append_number(out, n / 1000);
            auto ms = static_cast<unsigned>(n % 1000);
            char digits[4] = {'.', static_cast<char>('0' + ms / 100),
                              static_cast<char>('0' + ms / 10 % 10),
                              static_cast<char>('0' + ms % 10)};
            out.append(digits, sizeof digits);
            return;
        }
    }
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    out.append(buf, r.ptr);
}

std::string iso_time_now() {
    using namespace std::chrono;
    auto now = system_clock::now();
    auto secs = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

Result<AccessLogFormat> parse_access_log_format(std::string_view text) {
    if (text == "logfmt") return AccessLogFormat::logfmt;
    if (text == "json") return AccessLogFormat::json;
    if (text == "-") return AccessLogFormat::off;
    return Error(fmt::format("access log format \"{}\": expected logfmt, json or - (off)", text));
}

std::string format_access_log(AccessLogFormat format, const AccessLogEntry& e) {
    switch (format) {
        case AccessLogFormat::off:
            return {};
        case AccessLogFormat::logfmt: {
            // Appended field by field (no fmt::format per field) after the line's head, into
            // one string: this runs per request. With JSON log lines, format_line renders the
            // same fields (below).
            using namespace std::string_view_literals;
            constexpr auto esc = log::NonAscii::escape;
            std::string line;
            line.reserve(320);
            bool direct = log::append_line_head(line, log::Level::info, "access", "request");
            std::size_t fields_at = line.size();
            line += direct ? " method="sv : "request method="sv;
            log::append_quoted(line, e.method, esc);
            line += " path="sv;
            log::append_quoted(line, e.path, esc);
            if (!e.query.empty()) {
                line += " query="sv;
                log::append_quoted(line, e.query, esc);
            }
            line += " status="sv;
            append_number(line, e.status);
            line += " bytes="sv;
            append_number(line, e.bytes);
            line += " duration_ms="sv;
            append_fixed3(line, e.duration_ms);
            line += " request_id="sv;
            log::append_quoted(line, e.request_id, esc);
            line += " remote_addr="sv;
            log::append_quoted(line, e.remote_addr, esc);
            for (auto [key, value] :
                 {std::pair<std::string_view, std::string_view>{" proto=", e.protocol},
                  {" host=", e.host},
                  {" referer=", e.referer},
                  {" user_agent=", e.user_agent}}) {
                if (value.empty()) continue;
                line += key;
                log::append_quoted(line, value, esc);
            }
            if (direct) {
                line += '\n';
                return line;
            }
            return log::format_line(log::Level::info, "access",
                                    std::string_view(line).substr(fields_at));
        }
        case AccessLogFormat::json: {
            std::string line =
                "{\"time\":\"" + iso_time_now() + "\",\"component\":\"access\",\"method\":";
            append_json_string(line, e.method);
            line += ",\"path\":";
            append_json_string(line, e.path);
            if (!e.query.empty()) {
                line += ",\"query\":";
                append_json_string(line, e.query);
            }
            line += fmt::format(
                ",\"status\":{},\"bytes\":{},\"duration_ms\":{:.3f},\"request_id\":", e.status,
                e.bytes, e.duration_ms);
            append_json_string(line, e.request_id);
            line += ",\"remote_addr\":";
            append_json_string(line, e.remote_addr);
            for (auto [key, value] : {std::pair<const char*, std::string_view>{"proto", e.protocol},
                                      {"host", e.host},
                                      {"referer", e.referer},
                                      {"user_agent", e.user_agent}}) {
                if (value.empty()) continue;
                line += fmt::format(",\"{}\":", key);
                append_json_string(line, value);
            }
            line += "}\n";
            return line;
        }
    }
    return {};
}

}  // namespace paasrun::http
