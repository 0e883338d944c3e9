// Test-only pause points, for crash-safety tests that must kill -9 inside a window too
// short to hit by timing (between writing a release and renaming it into place, around the
// `current` symlink swap).
//
// When PAASRUN_TEST_PAUSE_AT equals `name`, the process prints
//   paasrun-test: paused at <name> pid=<pid>
// to stderr and sleeps until it is killed. Otherwise this is a getenv and a compare: no
// effect in production. Named points: slug:before-commit, release:before-rename,
// activate:before-swap, activate:after-swap.
#pragma once

#include <string_view>

namespace paasrun {

void test_pause_point(std::string_view name);

}  // namespace paasrun
