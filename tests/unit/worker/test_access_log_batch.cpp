#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "worker/access_log_batch.hpp"

using paasrun::worker::AccessLogBatch;

namespace {

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
        r = fds[0];
        w = fds[1];
    }
    ~Pipe() {
        ::close(r);
        ::close(w);
    }
    // Everything written so far (empty: nothing was).
    std::string read_some() const {
        std::string out(65536, '\0');
        auto n = ::read(r, out.data(), out.size());
        out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        return out;
    }
};

}  // namespace

TEST_CASE("access log lines wait for the flush and leave in one write") {
    Pipe p;
    AccessLogBatch batch(p.w);
    CHECK(batch.add("a 200\n"));  // first line: the caller schedules a flush
    CHECK_FALSE(batch.add("b 404\n"));
    CHECK(p.read_some().empty());  // nothing written yet
    batch.flush();
    CHECK(p.read_some() == "a 200\nb 404\n");
    CHECK(batch.empty());
    CHECK(batch.add("c 200\n"));  // empty again: a new flush is due
}

TEST_CASE("a batch never passes PIPE_BUF and never splits a line") {
    Pipe p;
    AccessLogBatch batch(p.w);
    std::string line(1000, 'x');
    line.back() = '\n';
    for (int i = 0; i < 5; ++i) batch.add(line);  // the 5th does not fit with 4 others
    auto first = p.read_some();
    CHECK(first.size() == 4 * line.size());
    batch.flush();
    CHECK(p.read_some() == line);
    // A line longer than a batch goes out alone, after what was batched before it.
    batch.add("short\n");
    std::string longer(5000, 'y');
    longer.back() = '\n';
    CHECK_FALSE(batch.add(longer));
    CHECK(p.read_some() == "short\n" + longer);
    CHECK(batch.empty());
}

TEST_CASE("what is batched is written when the batch goes away") {
    Pipe p;
    {
        AccessLogBatch batch(p.w);
        batch.add("last\n");
    }
    CHECK(p.read_some() == "last\n");
}
