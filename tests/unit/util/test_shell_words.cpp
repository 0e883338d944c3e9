// split_shell_words: shlex.split (POSIX) semantics, as gunicorn applies to GUNICORN_CMD_ARGS.
#include <catch2/catch.hpp>

#include "util/shell_words.hpp"

using paasrun::split_shell_words;
using V = std::vector<std::string>;

TEST_CASE("shell words: like shlex.split", "[util][shell_words]") {
    CHECK(*split_shell_words("") == V{});
    CHECK(*split_shell_words("  -w 4\t--bind=:5000 ") == V{"-w", "4", "--bind=:5000"});
    CHECK(*split_shell_words(R"(--access-logformat '%(h)s "%(r)s"')") ==
          V{"--access-logformat", R"(%(h)s "%(r)s")"});
    CHECK(*split_shell_words(R"(-e "A=b c" -e B=\$x "q\"uote" "back\\slash" "keep\n")") ==
          V{"-e", "A=b c", "-e", "B=$x", "q\"uote", "back\\slash", "keep\\n"});
    CHECK(*split_shell_words("a''b \"\"") == V{"ab", ""});
    CHECK_FALSE(split_shell_words("'open"));
    CHECK_FALSE(split_shell_words("\"open"));
    CHECK_FALSE(split_shell_words("trailing\\"));
}
