#include "http/percent.hpp"

#include "http/chars.hpp"

namespace paasrun::http {

PercentReport percent_decode(std::string_view in, std::string& out) {
    PercentReport report;
    auto pct = in.find('%');
    if (pct == std::string_view::npos) {  // the common case: nothing to decode
        out.assign(in);
        return report;
    }
    out.clear();
    out.reserve(in.size());
    out.append(in.substr(0, pct));
    for (std::size_t i = pct; i < in.size(); ++i) {
        char c = in[i];
        if (c != '%') {
            out += c;
            continue;
        }
        int hi = i + 2 < in.size() ? chars::hex_value(in[i + 1]) : -1;
        int lo = hi >= 0 ? chars::hex_value(in[i + 2]) : -1;
        if (lo < 0) {  // like urllib.parse.unquote: keep it literally
            report.malformed = true;
            out += '%';
            continue;
        }
        char decoded = static_cast<char>(hi * 16 + lo);
        report.changed = true;
        report.nul |= decoded == '\0';
        report.encoded_slash |= decoded == '/';
        out += decoded;
        i += 2;
    }
    return report;
}

}  // namespace paasrun::http
