#include "http/response_writer.hpp"

#include <ctime>

#include "http/chars.hpp"

namespace paasrun::http {
namespace {

bool is_token_string(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!chars::is_token(c)) return false;
    return true;
}

// Response splitting guard: field values may hold HTAB, SP, VCHAR and obs-text only.
bool is_safe_value(std::string_view s) {
    for (char c : s)
        if (!chars::kFieldValue[static_cast<unsigned char>(c)]) return false;
    return true;
}

bool parse_decimal(std::string_view v, std::uint64_t& out) {
    if (v.empty() || v.size() > 19) return false;
    std::uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = n;
    return true;
}

// Connection-specific fields: PEP 3333 forbids them to apps; the server owns framing.
bool is_hop_by_hop(std::string_view name) {
    switch (name.size()) {
        case 2:
            return iequals(name, "te");
        case 7:
            return iequals(name, "trailer") || iequals(name, "upgrade");
        case 10:
            return iequals(name, "connection") || iequals(name, "keep-alive");
        case 16:
            return iequals(name, "proxy-connection");
        case 17:
            return iequals(name, "transfer-encoding");
        default:
            return false;
    }
}

bool connection_says_close(std::string_view v) {
    while (!v.empty()) {
        auto comma = v.find(',');
        auto tok = v.substr(0, comma);
        while (!tok.empty() && chars::is_ows(tok.front())) tok.remove_prefix(1);
        while (!tok.empty() && chars::is_ows(tok.back())) tok.remove_suffix(1);
        if (iequals(tok, "close")) return true;
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return false;
}

void append_status_code(std::string& out, int code) {
    out += static_cast<char>('0' + code / 100 % 10);
    out += static_cast<char>('0' + code / 10 % 10);
    out += static_cast<char>('0' + code % 10);
}

void append_decimal(std::string& out, std::uint64_t n) {
    char buf[20];
    char* p = buf + sizeof buf;
    do {
        *--p = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0);
    out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void format_date(std::int64_t secs, char (&buf)[29]) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    auto two = [](char* p, int v) {
        p[0] = static_cast<char>('0' + v / 10 % 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    // "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7 IMF-fixdate)
    const char* day = kDays[tm.tm_wday];
    const char* mon = kMonths[tm.tm_mon];
    int year = tm.tm_year + 1900;
    buf[0] = day[0], buf[1] = day[1], buf[2] = day[2], buf[3] = ',', buf[4] = ' ';
    two(buf + 5, tm.tm_mday);
    buf[7] = ' ', buf[8] = mon[0], buf[9] = mon[1], buf[10] = mon[2], buf[11] = ' ';
    two(buf + 12, year / 100);
    two(buf + 14, year % 100);
    buf[16] = ' ';
    two(buf + 17, tm.tm_hour);
    buf[19] = ':';
    two(buf + 20, tm.tm_min);
    buf[22] = ':';
    two(buf + 23, tm.tm_sec);
    buf[25] = ' ', buf[26] = 'G', buf[27] = 'M', buf[28] = 'T';
}

}  // namespace

std::string_view describe(ResponseError e) noexcept {
    switch (e) {
        case ResponseError::none:
            return "none";
        case ResponseError::bad_status:
            return "bad_status";
        case ResponseError::bad_header_name:
            return "bad_header_name";
        case ResponseError::bad_header_value:
            return "bad_header_value";
        case ResponseError::bad_content_length:
            return "bad_content_length";
    }
    return "unknown";
}

std::optional<StatusLine> parse_status(std::string_view s) noexcept {
    if (s.size() < 3) return std::nullopt;
    int code = 0;
    for (int i = 0; i < 3; ++i) {
        if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9')
            return std::nullopt;
        code = code * 10 + (s[static_cast<std::size_t>(i)] - '0');
    }
    if (code < 100) return std::nullopt;
    std::string_view reason;
    if (s.size() > 3) {
        if (s[3] != ' ') return std::nullopt;
        reason = s.substr(4);
        if (!is_safe_value(reason)) return std::nullopt;
    }
    return StatusLine{code, reason};
}

std::string_view reason_phrase(int code) noexcept {
    switch (code) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 103:
            return "Early Hints";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 203:
            return "Non-Authoritative Information";
        case 204:
            return "No Content";
        case 205:
            return "Reset Content";
        case 206:
            return "Partial Content";
        case 207:
            return "Multi-Status";
        case 300:
            return "Multiple Choices";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 402:
            return "Payment Required";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 406:
            return "Not Acceptable";
        case 407:
            return "Proxy Authentication Required";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 411:
            return "Length Required";
        case 412:
            return "Precondition Failed";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 417:
            return "Expectation Failed";
        case 421:
            return "Misdirected Request";
        case 422:
            return "Unprocessable Content";
        case 425:
            return "Too Early";
        case 426:
            return "Upgrade Required";
        case 428:
            return "Precondition Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 451:
            return "Unavailable For Legal Reasons";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "";
    }
}

bool status_allows_body(int code) noexcept {
    return code >= 200 && code != 204 && code != 304;
}

ResponseError write_response_head(const ResponseSpec& spec, std::string& out, ResponsePlan& plan) {
    if (spec.status < 100 || spec.status > 999 || !is_safe_value(spec.reason))
        return ResponseError::bad_status;

    // Validate everything before appending anything, so an error leaves `out` untouched.
    bool app_close = false, has_date = false, has_server = false;
    std::optional<std::uint64_t> app_length;
    for (const auto& h : spec.headers) {
        if (!is_token_string(h.name)) return ResponseError::bad_header_name;
        if (!is_safe_value(h.value)) return ResponseError::bad_header_value;
        if (h.name.size() == 14 && iequals(h.name, "content-length")) {
            std::uint64_t n = 0;
            if (!parse_decimal(h.value, n) || (app_length && *app_length != n))
                return ResponseError::bad_content_length;
            app_length = n;
        } else if (iequals(h.name, "connection")) {
            app_close |= connection_says_close(h.value);
        } else if (iequals(h.name, "date")) {
            has_date = true;
        } else if (iequals(h.name, "server")) {
            has_server = true;
        }
    }

    const bool body_allowed = status_allows_body(spec.status);
    const bool informational_or_204 = spec.status < 200 || spec.status == 204;
    plan.keep_alive = spec.keep_alive && !app_close;
    plan.content_length = 0;
    std::optional<std::uint64_t> length = app_length ? app_length : spec.body_length;
    if (!body_allowed || spec.head_request) {
        plan.framing = ResponseFraming::no_body;
    } else if (length) {
        plan.framing = ResponseFraming::content_length;
        plan.content_length = *length;
    } else if (spec.version == Version::http11) {
        plan.framing = ResponseFraming::chunked;
    } else {
        plan.framing = ResponseFraming::until_close;  // HTTP/1.0 has no chunked coding
        plan.keep_alive = false;
    }

    std::string_view reason = spec.reason.empty() ? reason_phrase(spec.status) : spec.reason;
    out.reserve(out.size() + 128 + spec.headers.size() * 48);
    out += "HTTP/1.1 ";
    append_status_code(out, spec.status);
    out += ' ';
    out += reason;
    out += "\r\n";
    const bool keep_trailer = spec.trailers && plan.framing == ResponseFraming::chunked;
    for (const auto& h : spec.headers) {
        if (is_hop_by_hop(h.name) && !(keep_trailer && iequals(h.name, "trailer"))) continue;
        // RFC 9110 8.6: no Content-Length in 1xx/204; the server writes its own otherwise.
        if (h.name.size() == 14 && iequals(h.name, "content-length")) continue;
        append_field(out, h.name, h.value);
    }
    if (!has_server) out += "Server: paasrun\r\n";
    if (!has_date) append_field(out, "Date", http_date());
    // A HEAD response announces the length a GET would get; a 304 keeps the app's length;
    // 1xx and 204 never carry one (RFC 9110 8.6).
    std::optional<std::uint64_t> announced;
    if (plan.framing == ResponseFraming::content_length)
        announced = plan.content_length;
    else if (!informational_or_204)
        announced = spec.head_request && body_allowed ? length : app_length;
    if (announced) {
        out += "Content-Length: ";
        append_decimal(out, *announced);
        out += "\r\n";
    } else if (plan.framing == ResponseFraming::chunked) {
        out += "Transfer-Encoding: chunked\r\n";
    }
    if (spec.status >= 200) {
        // HTTP/1.1 persists by default; HTTP/1.0 needs the explicit token (RFC 9112 9.3).
        if (!plan.keep_alive)
            out += "Connection: close\r\n";
        else if (spec.version == Version::http10)
            out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    return ResponseError::none;
}

void write_error_response(int status, std::string& out, bool head_request) {
    std::string_view reason = reason_phrase(status);
    if (reason.empty()) reason = "Error";
    out += "HTTP/1.1 ";
    append_status_code(out, status);
    out += ' ';
    out += reason;
    out += "\r\nServer: paasrun\r\n";
    append_field(out, "Date", http_date());
    if (status == 405) append_field(out, "Allow", kAllowedMethods);
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: ";
    append_decimal(out, reason.size() + 1);
    out += "\r\nConnection: close\r\n\r\n";
    if (head_request) return;
    out += reason;
    out += '\n';
}

std::string_view chunk_header(std::uint64_t size, std::array<char, kChunkHeaderMax>& buf) noexcept {
    constexpr char kHex[] = "0123456789abcdef";
    char* end = buf.data() + buf.size();
    char* p = end;
    *--p = '\n';
    *--p = '\r';
    do {
        *--p = kHex[size & 0xf];
        size >>= 4;
    } while (size != 0);
    return {p, static_cast<std::size_t>(end - p)};
}

void append_chunk_header(std::string& out, std::uint64_t size) {
    std::array<char, kChunkHeaderMax> buf;
    out += chunk_header(size, buf);
}

std::string_view http_date() noexcept {
    // One cache per thread: no lock, no torn reads; refreshed at most once a second.
    thread_local std::int64_t cached_second = -1;
    thread_local char cached[29];
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != cached_second) {
        format_date(ts.tv_sec, cached);
        cached_second = ts.tv_sec;
    }
    return {cached, sizeof cached};
}

std::string format_http_date(std::int64_t unix_seconds) {
    char buf[29];
    format_date(unix_seconds, buf);
    return {buf, sizeof buf};
}

}  // namespace paasrun::http
