// Default worker count: cgroup v2 parsers and the formula (cpu_count.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "serve/cpu_count.hpp"

using namespace paasrun::worker;

TEST_CASE("cgroup: cpu.max", "[worker][arbiter][cgroup]") {
    CHECK_FALSE(parse_cpu_max("max 100000\n"));
    CHECK(*parse_cpu_max("200000 100000\n") == Approx(2.0));
    CHECK(*parse_cpu_max("150000 100000") == Approx(1.5));
    CHECK(*parse_cpu_max("50000 100000\n") == Approx(0.5));
    CHECK(*parse_cpu_max("50000") == Approx(0.5));  // period defaults to 100000
    CHECK_FALSE(parse_cpu_max("x 100000"));
    CHECK_FALSE(parse_cpu_max("100000 0"));
    CHECK_FALSE(parse_cpu_max(""));
}

TEST_CASE("cgroup: memory.max", "[worker][arbiter][cgroup]") {
    CHECK_FALSE(parse_memory_max("max\n"));
    CHECK(*parse_memory_max("536870912\n") == 536870912ull);
    CHECK_FALSE(parse_memory_max("lots"));
}

TEST_CASE("cgroup: /proc/self/cgroup v2 line", "[worker][arbiter][cgroup]") {
    CHECK(*parse_proc_cgroup("0::/system.slice/app.service\n") == "/system.slice/app.service");
    CHECK(*parse_proc_cgroup("12:cpu,cpuacct:/x\n0::/\n") == "/");
    CHECK_FALSE(parse_proc_cgroup("12:cpu,cpuacct:/x\n4:memory:/x\n"));
}

TEST_CASE("cgroup: worker count formula", "[worker][arbiter][cgroup]") {
    CpuFacts f;
    f.online_cpus = 8;
    CHECK(auto_worker_count(f).workers == 17);  // 2*8+1

    f.affinity_cpus = 2;  // taskset / cpuset
    CHECK(auto_worker_count(f).workers == 5);

    f.cpu_limit = 1.5;  // cpu.max 150000 100000 -> 2 CPUs
    CHECK(auto_worker_count(f).workers == 5);

    f.cpu_limit = 0.25;  // a quarter CPU still gets one CPU's worth
    CHECK(auto_worker_count(f).workers == 3);

    f.memory_limit = 512ull << 20;  // 512 MiB / 128 MiB
    f.cpu_limit.reset();
    CHECK(auto_worker_count(f).workers == 4);

    f.memory_limit = 64ull << 20;  // less than one worker's estimate: still one worker
    CHECK(auto_worker_count(f).workers == 1);

    CpuFacts big;
    big.online_cpus = 256;
    CHECK(auto_worker_count(big).workers == kMaxAutoWorkers);
    CHECK(auto_worker_count(big).reason.find("cpus=256") != std::string::npos);
}

TEST_CASE("cgroup: the tightest limit along the path wins", "[worker][arbiter][cgroup]") {
    namespace fs = std::filesystem;
    auto root = fs::temp_directory_path() / ("paasrun-cgroup-" + std::to_string(::getpid()));
    fs::create_directories(root / "a" / "b");
    auto put = [](const fs::path& p, const char* text) { std::ofstream(p) << text; };
    put(root / "cpu.max", "max 100000\n");
    put(root / "a" / "cpu.max", "100000 100000\n");  // parent: 1 CPU
    put(root / "a" / "b" / "cpu.max", "300000 100000\n");
    put(root / "a" / "b" / "memory.max", "max\n");
    put(root / "a" / "memory.max", "1073741824\n");

    CpuFacts f;
    f.online_cpus = 4;
    read_cgroup_limits(root, "/a/b", f);
    REQUIRE(f.cpu_limit);
    CHECK(*f.cpu_limit == Approx(1.0));
    REQUIRE(f.memory_limit);
    CHECK(*f.memory_limit == 1073741824ull);
    CHECK(auto_worker_count(f).workers == 3);  // min(2*1+1, 1 GiB / 128 MiB = 8)

    CpuFacts none;
    read_cgroup_limits(root / "missing", "/x", none);
    CHECK_FALSE(none.cpu_limit);
    CHECK_FALSE(none.memory_limit);
    fs::remove_all(root);
}
