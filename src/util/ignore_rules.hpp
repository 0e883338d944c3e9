// gitignore-style patterns, as `.slugignore` (Heroku) and `.gitignore` use them. Pure.
//
// One pattern per line; blank lines and lines starting with `#` are skipped; `\#` and `\!`
// escape a leading `#`/`!`; trailing spaces are dropped. A leading `!` re-includes what an
// earlier pattern excluded (the last matching pattern decides). A trailing `/` matches
// directories only. A pattern with a `/` at the start or in the middle is anchored to the
// top of the tree; one without matches the name at any depth. `*` and `?` do not cross `/`,
// `[...]` is a character class, `**` matches any number of directories (`**/x`, `a/**/b`,
// `a/**`). Excluding a directory excludes everything under it (as in git, a file under an
// excluded directory cannot be re-included).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace paasrun {

class IgnoreRules {
public:
    IgnoreRules() = default;
    /// Parses the text of an ignore file.
    explicit IgnoreRules(std::string_view text);

    /// True when `rel` (relative to the tree's top, '/'-separated, no leading "./") is
    /// excluded. `is_dir`: it is a directory.
    [[nodiscard]] bool excluded(std::string_view rel, bool is_dir) const;

    [[nodiscard]] bool empty() const { return rules_.empty(); }

private:
    struct Rule {
        std::string glob;  // anchored patterns are matched against the whole path
        bool negate = false;
        bool dir_only = false;
        bool anchored = false;
    };
    std::vector<Rule> rules_;
};

/// Glob match with the rules above (`*`, `?`, `[...]`, `**`). Exposed for the tests.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace paasrun
