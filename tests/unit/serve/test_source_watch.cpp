#include <catch2/catch.hpp>

#include "serve/source_watch.hpp"

using namespace paasrun;
using worker::relevant_change;

TEST_CASE("source watch: what counts as a change", "[worker][reload]") {
    IgnoreRules none;
    CHECK(relevant_change(none, "app.py", false));
    CHECK(relevant_change(none, "templates/index.html", false));
    CHECK(relevant_change(none, "pkg", true));
    CHECK_FALSE(relevant_change(none, "__pycache__/app.cpython-311.pyc", false));
    CHECK_FALSE(relevant_change(none, "pkg/__pycache__", true));
    CHECK_FALSE(relevant_change(none, ".venv/lib/x.py", false));
    CHECK_FALSE(relevant_change(none, ".paasrun/data/db.sqlite3", false));
    CHECK_FALSE(relevant_change(none, ".git/index", false));
    CHECK_FALSE(relevant_change(none, "db.sqlite3", false));
    CHECK_FALSE(relevant_change(none, "db.sqlite3-journal", false));
    CHECK_FALSE(relevant_change(none, ".app.py.swp", false));
    CHECK_FALSE(relevant_change(none, "app.py~", false));
    CHECK_FALSE(relevant_change(none, "4913", false));
    CHECK_FALSE(relevant_change(none, ".#app.py", false));
    IgnoreRules git("media/\n*.csv\n");
    CHECK_FALSE(relevant_change(git, "media/a.py", false));
    CHECK_FALSE(relevant_change(git, "media", true));
    CHECK_FALSE(relevant_change(git, "data/x.csv", false));
    CHECK(relevant_change(git, "data/x.py", false));
}

TEST_CASE("source watch: a burst of changes is one reload", "[worker][reload]") {
    worker::Debounce d(50, 300);
    CHECK_FALSE(d.take(0));
    d.change(1000);
    CHECK(d.due_at() == 1050);
    d.change(1040);
    CHECK_FALSE(d.take(1060));
    CHECK(d.due_at() == 1090);
    // A change every 40 ms never goes quiet: the burst is due 300 ms after its first change.
    for (int t = 1080; t < 1400; t += 40) d.change(t);
    CHECK(d.due_at() == 1300);
    CHECK(d.take(1300));
    CHECK_FALSE(d.pending());
}
