// Which releases retention removes. Pure, so the rule is tested without a disk.
//
// Keep the `keep` highest versions, and always the current release and the one that was
// current before it (a rollback target must survive, as on Heroku), even when they are
// older. Everything else is returned for removal, oldest first.
#pragma once

#include <vector>

namespace paasrun::release {

[[nodiscard]] std::vector<int> releases_to_prune(std::vector<int> versions, int keep, int current,
                                                 int previous);

}  // namespace paasrun::release
