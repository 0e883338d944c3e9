#include "static_files/conditional.hpp"

#include <fmt/format.h>

#include <array>

#include "util/strings.hpp"

namespace paasrun::static_files {
namespace {

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

// ---- dates ------------------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kShortDays = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

bool digits(std::string_view s, std::size_t n, int& out) {
    if (s.size() != n) return false;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

int month_index(std::string_view m) {
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (kMonths[i] == m) return static_cast<int>(i) + 1;
    return 0;
}

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& names) {
    for (auto n : names)
        if (n == s) return true;
    return false;
}

// "08:49:37"
bool parse_clock(std::string_view s, int& h, int& m, int& sec) {
    return s.size() == 8 && s[2] == ':' && s[5] == ':' && digits(s.substr(0, 2), 2, h) &&
           digits(s.substr(3, 2), 2, m) && digits(s.substr(6, 2), 2, sec) && h <= 23 && m <= 59 &&
           sec <= 60;  // 60: a leap second is a valid time-of-day (RFC 9110 5.6.7)
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

bool valid_day(int y, int m, int d) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::optional<std::int64_t> to_unix(int y, int mon, int d, int h, int m, int s) {
    if (!valid_day(y, mon, d)) return std::nullopt;
    return days_from_civil(y, mon, d) * 86400 + h * 3600 + m * 60 + s;
}

// Splits on single spaces into exactly `n` parts (asctime allows a double space before a
// one-digit day, handled by the caller).
template <std::size_t N>
bool split_spaces(std::string_view s, std::array<std::string_view, N>& parts) {
    for (std::size_t i = 0; i < N; ++i) {
        auto sp = s.find(' ');
        if (i + 1 == N) {
            if (sp != std::string_view::npos) return false;
            parts[i] = s;
            return true;
        }
        if (sp == std::string_view::npos) return false;
        parts[i] = s.substr(0, sp);
        s.remove_prefix(sp + 1);
    }
    return false;
}

// Sun, 06 Nov 1994 08:49:37 GMT
std::optional<std::int64_t> parse_imf(std::string_view s) {
    std::array<std::string_view, 6> p;
    if (!split_spaces(s, p)) return std::nullopt;
    if (p[0].size() != 4 || p[0][3] != ',' || !one_of(p[0].substr(0, 3), kShortDays))
        return std::nullopt;
    int d = 0, y = 0, h = 0, m = 0, sec = 0;
    int mon = month_index(p[2]);
    if (!digits(p[1], 2, d) || mon == 0 || !digits(p[3], 4, y) || !parse_clock(p[4], h, m, sec) ||
        p[5] != "GMT")
        return std::nullopt;
    return to_unix(y, mon, d, h, m, sec);
}

// Sunday, 06-Nov-94 08:49:37 GMT
std::optional<std::int64_t> parse_rfc850(std::string_view s) {
    std::array<std::string_view, 4> p;
    if (!split_spaces(s, p)) return std::nullopt;
    if (p[0].empty() || p[0].back() != ',' || !one_of(p[0].substr(0, p[0].size() - 1), kLongDays))
        return std::nullopt;
    auto date = p[1];
    if (date.size() != 9 || date[2] != '-' || date[6] != '-') return std::nullopt;
    int d = 0, yy = 0, h = 0, m = 0, sec = 0;
    int mon = month_index(date.substr(3, 3));
    if (!digits(date.substr(0, 2), 2, d) || mon == 0 || !digits(date.substr(7, 2), 2, yy) ||
        !parse_clock(p[2], h, m, sec) || p[3] != "GMT")
        return std::nullopt;
    // RFC 9110 5.6.7: a two-digit year more than 50 years in the future is in the past;
    // with today's dates that is the classic 70 pivot.
    int y = yy < 70 ? 2000 + yy : 1900 + yy;
    return to_unix(y, mon, d, h, m, sec);
}

// Sun Nov  6 08:49:37 1994
std::optional<std::int64_t> parse_asctime(std::string_view s) {
    if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
        return std::nullopt;
    if (!one_of(s.substr(0, 3), kShortDays)) return std::nullopt;
    int mon = month_index(s.substr(4, 3));
    std::string_view day = s.substr(8, 2);
    if (day[0] == ' ') day.remove_prefix(1);
    int d = 0, y = 0, h = 0, m = 0, sec = 0;
    if (mon == 0 || !digits(day, day.size(), d) || day.empty() ||
        !parse_clock(s.substr(11, 8), h, m, sec) || !digits(s.substr(20, 4), 4, y))
        return std::nullopt;
    return to_unix(y, mon, d, h, m, sec);
}

// ---- entity-tags ------------------------------------------------------------------------

struct Tag {
    bool weak = false;
    std::string_view opaque;  // including the quotes
};

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text
bool take_tag(std::string_view& s, Tag& tag) {
    tag.weak = s.size() >= 2 && s[0] == 'W' && s[1] == '/';
    if (tag.weak) s.remove_prefix(2);
    if (s.empty() || s[0] != '"') return false;
    std::size_t i = 1;
    for (; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') break;
        if (c < 0x21 || c == 0x7f) return false;
    }
    if (i == s.size()) return false;
    tag.opaque = s.substr(0, i + 1);
    s.remove_prefix(i + 1);
    return true;
}

}  // namespace

std::string make_etag(std::int64_t mtime_seconds, std::uint64_t size) {
    return fmt::format("\"{:x}-{:x}\"", static_cast<std::uint64_t>(mtime_seconds), size);
}

std::optional<std::int64_t> parse_http_date(std::string_view text) noexcept {
    text = trim(text, kOws);
    if (text.size() < 24 || text.size() > 40) return std::nullopt;
    if (text[3] == ',') return parse_imf(text);
    if (text[3] == ' ') return parse_asctime(text);
    return parse_rfc850(text);
}

bool if_none_match_matches(std::string_view field, std::string_view etag) noexcept {
    field = trim(field, kOws);
    if (field == "*") return true;
    std::string_view ours = etag;
    if (ours.size() >= 2 && ours[0] == 'W' && ours[1] == '/') ours.remove_prefix(2);
    // #entity-tag: elements separated by commas with optional whitespace; empty ones allowed.
    while (true) {
        while (!field.empty() && (is_ows(field.front()) || field.front() == ','))
            field.remove_prefix(1);
        if (field.empty()) return false;
        Tag tag;
        if (!take_tag(field, tag)) return false;
        if (tag.opaque == ours) return true;  // weak comparison: W/ does not matter
        field = trim(field, kOws);
        if (!field.empty() && field.front() != ',') return false;
    }
}

bool not_modified_since(std::string_view field, std::int64_t mtime) noexcept {
    auto date = parse_http_date(field);
    return date && mtime <= *date;
}

bool if_range_allows(std::string_view field, std::string_view etag, std::int64_t mtime) noexcept {
    field = trim(field, kOws);
    if (field.empty()) return true;
    if (field[0] == '"' || (field.size() > 2 && field[0] == 'W' && field[1] == '/')) {
        Tag tag;
        std::string_view rest = field;
        if (!take_tag(rest, tag) || !trim(rest, kOws).empty()) return false;
        return !tag.weak && tag.opaque == etag;  // strong comparison (RFC 9110 8.8.3.2)
    }
    auto date = parse_http_date(field);
    return date && *date == mtime;
}

}  // namespace paasrun::static_files
