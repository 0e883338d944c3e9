#include "static_files/path_check.hpp"

#include "http/percent.hpp"

namespace paasrun::static_files {
namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

PathVerdict check_segment(std::string_view seg, bool allow_dotfiles) {
    if (seg.empty()) return PathVerdict::empty_segment;
    if (seg == "." || seg == "..") return PathVerdict::dot_segment;
    if (seg.front() == '.' && !allow_dotfiles) return PathVerdict::dotfile;
    // "C:" / "c:foo": a drive-relative path on Windows; meaningless on Linux, always a probe.
    if (seg.size() >= 2 && is_alpha(seg[0]) && seg[1] == ':') return PathVerdict::drive_letter;
    if (seg.size() > kMaxSegment) return PathVerdict::too_long;
    return PathVerdict::ok;
}

}  // namespace

std::string_view describe(PathVerdict v) noexcept {
    switch (v) {
        case PathVerdict::ok:
            return "ok";
        case PathVerdict::malformed_escape:
            return "malformed_escape";
        case PathVerdict::control_byte:
            return "control_byte";
        case PathVerdict::encoded_slash:
            return "encoded_slash";
        case PathVerdict::backslash:
            return "backslash";
        case PathVerdict::empty_segment:
            return "empty_segment";
        case PathVerdict::dot_segment:
            return "dot_segment";
        case PathVerdict::dotfile:
            return "dotfile";
        case PathVerdict::drive_letter:
            return "drive_letter";
        case PathVerdict::too_long:
            return "too_long";
    }
    return "unknown";
}

CheckedPath check_relative_path(std::string_view raw, bool allow_dotfiles) {
    CheckedPath out;
    // Bound the work before decoding: a decoded path is never longer than its raw form.
    if (raw.size() > 3 * kMaxPath) {
        out.verdict = PathVerdict::too_long;
        return out;
    }
    std::string decoded;
    auto report = http::percent_decode(raw, decoded);
    if (report.malformed)
        out.verdict = PathVerdict::malformed_escape;
    else if (report.encoded_slash)
        out.verdict = PathVerdict::encoded_slash;
    else if (decoded.size() > kMaxPath)
        out.verdict = PathVerdict::too_long;
    if (out.verdict != PathVerdict::ok) return out;
    for (char c : decoded) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out.verdict = PathVerdict::control_byte;
            return out;
        }
        if (c == '\\') {
            out.verdict = PathVerdict::backslash;
            return out;
        }
    }

    // A leading '/' here was a "//" in the URL ("/static//x", or "//host/x" at the root):
    // an empty segment, and the shape of a protocol-relative redirect target.
    if (!decoded.empty() && decoded.front() == '/') {
        out.verdict = PathVerdict::empty_segment;
        return out;
    }
    std::string_view rest = decoded;
    if (rest.empty() || rest.back() == '/') {
        out.wants_index = true;
        if (!rest.empty()) rest.remove_suffix(1);
    }
    // The empty remainder is the mount's own directory: nothing to check.
    while (!rest.empty()) {
        auto slash = rest.find('/');
        auto seg = rest.substr(0, slash);
        if (auto v = check_segment(seg, allow_dotfiles); v != PathVerdict::ok) {
            out.verdict = v;
            return out;
        }
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
        if (rest.empty()) {  // "a//" reduced to "a/": an empty last segment
            out.verdict = PathVerdict::empty_segment;
            return out;
        }
    }
    out.rel = std::move(decoded);
    if (out.wants_index && !out.rel.empty()) out.rel.pop_back();
    return out;
}

}  // namespace paasrun::static_files
