#include "util/ignore_rules.hpp"

#include <fnmatch.h>

namespace paasrun {

namespace {

std::string_view rstrip_spaces(std::string_view s) {
    // A trailing space escaped with a backslash is kept, as in git.
    while (!s.empty() && s.back() == ' ' && !(s.size() >= 2 && s[s.size() - 2] == '\\'))
        s.remove_suffix(1);
    return s;
}

// One path segment against one pattern segment: fnmatch without FNM_PATHNAME is right here
// because neither side contains '/'.
bool segment_match(std::string_view pat, std::string_view name) {
    return ::fnmatch(std::string(pat).c_str(), std::string(name).c_str(), 0) == 0;
}

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> out;
    while (true) {
        auto slash = s.find('/');
        out.push_back(s.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        s.remove_prefix(slash + 1);
    }
}

bool match_segments(const std::vector<std::string_view>& pat, std::size_t pi,
                    const std::vector<std::string_view>& path, std::size_t si) {
    while (pi < pat.size()) {
        if (pat[pi] == "**") {
            // `**` matches zero or more whole segments.
            for (std::size_t k = si; k <= path.size(); ++k)
                if (match_segments(pat, pi + 1, path, k)) return true;
            return false;
        }
        if (si >= path.size() || !segment_match(pat[pi], path[si])) return false;
        ++pi;
        ++si;
    }
    return si == path.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
    return match_segments(split(pattern), 0, split(path), 0);
}

IgnoreRules::IgnoreRules(std::string_view text) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line = rstrip_spaces(line);
        if (line.empty() || line.front() == '#') continue;
        Rule r;
        if (line.front() == '!') {
            r.negate = true;
            line.remove_prefix(1);
        } else if (line.size() >= 2 && line[0] == '\\' && (line[1] == '#' || line[1] == '!')) {
            line.remove_prefix(1);
        }
        if (!line.empty() && line.back() == '/') {
            r.dir_only = true;
            line.remove_suffix(1);
        }
        if (!line.empty() && line.front() == '/') {
            r.anchored = true;
            line.remove_prefix(1);
        } else if (line.find('/') != std::string_view::npos) {
            r.anchored = true;  // a slash in the middle anchors it too
        }
        if (line.empty()) continue;
        r.glob = std::string(line);
        rules_.push_back(std::move(r));
    }
}

bool IgnoreRules::excluded(std::string_view rel, bool is_dir) const {
    bool out = false;
    auto name = rel.substr(rel.rfind('/') == std::string_view::npos ? 0 : rel.rfind('/') + 1);
    for (const auto& r : rules_) {
        if (r.negate != out) continue;  // only a rule that would change the answer matters
        if (r.dir_only && !is_dir) continue;
        bool hit = r.anchored ? glob_match(r.glob, rel) : glob_match(r.glob, name);
        if (hit) out = !r.negate;
    }
    return out;
}

}  // namespace paasrun
