// fake_slug: an empty committed slug in a ReleaseStore, for release tests that need releases
// without running a build. `#include "support/fake_slug.hpp"` (tests/unit is on the include path).
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "release/store.hpp"

namespace paasrun::testing {

inline release::SlugMeta fake_slug(const release::ReleaseStore& store, const std::string& hash) {
    auto id = store.new_slug_dir();
    REQUIRE(id);
    release::SlugMeta m;
    m.id = *id;
    m.source_hash = hash;
    REQUIRE(store.commit_slug(m));
    return m;
}

}  // namespace paasrun::testing
