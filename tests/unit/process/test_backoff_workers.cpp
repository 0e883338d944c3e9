// The serve arbiter's policy for one worker slot (process::kWorkerSlotBackoff): the first
// crash of a sequence is replaced at once, then 250 ms doubling to 16 s.
#include <catch2/catch.hpp>

#include "process/backoff.hpp"

using paasrun::process::Backoff;
using paasrun::process::kWorkerSlotBackoff;
using ms = std::chrono::milliseconds;

namespace {
double ms_of(Backoff::Seconds s) {
    return s.count() * 1000;
}
}  // namespace

TEST_CASE("worker backoff: the first crash is replaced at once", "[process][backoff]") {
    Backoff b(kWorkerSlotBackoff);
    CHECK(ms_of(b.on_exit(ms(50))) == Approx(0));
    CHECK(b.consecutive() == 1);
}

TEST_CASE("worker backoff: quick crashes double the delay up to the cap", "[process][backoff]") {
    Backoff b(kWorkerSlotBackoff);
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(0));
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(250));
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(500));
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(1000));
    for (int i = 0; i < 100; ++i) (void)b.on_exit(ms(10));
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(16000));
}

TEST_CASE("worker backoff: a worker that stayed up resets the sequence", "[process][backoff]") {
    Backoff b(kWorkerSlotBackoff);
    (void)b.on_exit(ms(10));
    (void)b.on_exit(ms(10));
    (void)b.on_exit(ms(10));
    CHECK(ms_of(b.on_exit(ms(10'000))) == Approx(0));
    CHECK(b.consecutive() == 1);
    CHECK(ms_of(b.on_exit(ms(10))) == Approx(250));
}
