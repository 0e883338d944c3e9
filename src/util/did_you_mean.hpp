// "Did you mean ...?" for mistyped command names (`paasrun confg` -> config), as heroku and
// git suggest. Pure functions: the CLI passes the word and the names it knows.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::util {

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions, each edit
/// costs 1): "confg" -> "config" is 1, "cofnig" -> "config" is 1.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word`, if it is close enough to be a typo: at most 2 edits, and
/// at most a third of the longer word (so "ps" is not suggested for "up"). Ties go to the
/// earlier candidate. A candidate that starts with `word` (an abbreviation, "rel" ->
/// releases) counts as close when `word` has 3 characters or more.
[[nodiscard]] std::optional<std::string> nearest(std::string_view word,
                                                 const std::vector<std::string>& candidates);

}  // namespace paasrun::util
