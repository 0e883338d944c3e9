#include "static_files/accept_encoding.hpp"

#include "util/strings.hpp"

namespace paasrun::static_files {
namespace {

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )  -> thousandths, -1 if invalid
int parse_qvalue(std::string_view s) {
    if (s.empty() || s.size() > 5 || (s[0] != '0' && s[0] != '1')) return -1;
    int whole = s[0] - '0';
    int frac = 0, scale = 100;
    if (s.size() > 1) {
        if (s[1] != '.') return -1;
        for (std::size_t i = 2; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (whole == 1 && frac != 0) return -1;
    return whole * 1000 + frac;
}

enum Slot { kIdentity = 0, kGzip = 1, kBr = 2, kStar = 3, kOther = 4 };

Slot slot_of(std::string_view coding) {
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) return kGzip;
    if (iequals(coding, "br")) return kBr;
    if (iequals(coding, "identity")) return kIdentity;
    if (coding == "*") return kStar;
    return kOther;
}

}  // namespace

std::string_view coding_name(Coding c) noexcept {
    switch (c) {
        case Coding::identity:
            return "identity";
        case Coding::gzip:
            return "gzip";
        case Coding::br:
            return "br";
    }
    return "identity";
}

std::string_view coding_suffix(Coding c) noexcept {
    switch (c) {
        case Coding::identity:
            return "";
        case Coding::gzip:
            return ".gz";
        case Coding::br:
            return ".br";
    }
    return "";
}

CodingWeights parse_accept_encoding(std::string_view field) noexcept {
    int q[5] = {-1, -1, -1, -1, -1};  // -1: not listed
    while (!field.empty()) {
        auto comma = field.find(',');
        auto element = trim(field.substr(0, comma), kOws);
        field = comma == std::string_view::npos ? std::string_view{} : field.substr(comma + 1);
        if (element.empty()) continue;
        auto semi = element.find(';');
        auto coding = trim(element.substr(0, semi), kOws);
        int weight = 1000;
        bool bad = false;
        auto params =
            semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
        while (!params.empty()) {
            auto next = params.find(';');
            auto param = trim(params.substr(0, next), kOws);
            params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
            auto eq = param.find('=');
            if (eq == std::string_view::npos) continue;
            if (!iequals(trim(param.substr(0, eq), kOws), "q")) continue;
            weight = parse_qvalue(trim(param.substr(eq + 1), kOws));
            bad = weight < 0;
        }
        if (bad || coding.empty()) continue;
        Slot s = slot_of(coding);
        if (s == kOther) continue;
        // A coding listed twice keeps its highest weight (the field is a set; be generous).
        if (weight > q[s]) q[s] = weight;
    }
    CodingWeights w;
    int star = q[kStar];
    w.q[kGzip] = q[kGzip] >= 0 ? q[kGzip] : (star >= 0 ? star : 0);
    w.q[kBr] = q[kBr] >= 0 ? q[kBr] : (star >= 0 ? star : 0);
    // identity: its own q, else the q of "*" (which matches every coding not listed), else
    // acceptable (RFC 9110 12.5.3: excluded only by "identity;q=0" or "*;q=0").
    w.q[kIdentity] = q[kIdentity] >= 0 ? q[kIdentity] : (star >= 0 ? star : 1000);
    return w;
}

Coding choose_coding(const CodingWeights& w, const bool (&available)[kCodingCount],
                     const std::uint64_t (&size)[kCodingCount]) noexcept {
    int best = -1;
    int best_q = 0;
    for (int c = 0; c < kCodingCount; ++c) {
        if (!available[c] && c != 0) continue;
        if (w.q[c] <= 0) continue;
        if (best < 0 || w.q[c] > best_q || (w.q[c] == best_q && size[c] < size[best])) {
            best = c;
            best_q = w.q[c];
        }
    }
    return best < 0 ? Coding::identity : static_cast<Coding>(best);
}

}  // namespace paasrun::static_files
