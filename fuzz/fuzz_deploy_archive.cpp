// libFuzzer target: unpack_archive() over arbitrary bytes (src/deploy/archive.hpp).
// Seeds: tests/fixtures/fuzz/deploy_archive/ (small plain tars; zlib reads them as they are).
//
// The world is built once in a temp dir: a canary file and a canary directory next to the
// extraction directory (outside it), and the extraction directory itself, emptied after each
// input. Beyond "no crash, no UB, no leak" it checks the module's contract:
// - nothing outside the destination changes: the canary keeps its bytes, the canary
//   directory stays empty, the base dir holds exactly what it held (a member written through
//   a symlink or a `..` would land there);
// - what was unpacked is never a device, FIFO or socket, and has no setuid/setgid bit;
// - the reported counts are plausible (bytes within the limit).
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "deploy/archive.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCanary = "FUZZ-CANARY-outside";

void check(bool ok) {
    if (!ok) std::abort();
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct World {
    fs::path base, dest, canary, canary_dir, input;
    World() {
        char tmpl[] = "/tmp/paasrun-fuzz-archive-XXXXXX";
        check(::mkdtemp(tmpl) != nullptr);
        base = tmpl;
        canary = base / "canary.txt";
        canary_dir = base / "canary-dir";
        dest = base / "dest";
        input = base / "input.tar";
        std::ofstream(canary, std::ios::binary) << kCanary;
        fs::create_directory(canary_dir);
    }
    // The base dir's entries other than the destination and the input.
    [[nodiscard]] bool outside_untouched() const {
        std::error_code ec;
        int n = 0;
        for (const auto& e : fs::directory_iterator(base, ec)) {
            auto name = e.path().filename();
            if (name != "dest" && name != "input.tar" && name != "canary.txt" &&
                name != "canary-dir")
                return false;
            ++n;
        }
        return !ec && slurp(canary) == kCanary && fs::is_empty(canary_dir, ec) && n <= 4;
    }
};

void check_unpacked(const fs::path& dest, const paasrun::deploy::UnpackLimits& limits,
                    const paasrun::deploy::UnpackStats& stats) {
    check(stats.bytes <= limits.max_bytes);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dest, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        struct stat st {};
        check(::lstat(it->path().c_str(), &st) == 0);
        check(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode));
        if (!S_ISLNK(st.st_mode)) check((st.st_mode & (S_ISUID | S_ISGID)) == 0);
        if (S_ISLNK(st.st_mode)) it.disable_recursion_pending();  // never follow what we made
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    {
        std::ofstream out(world.input, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    std::error_code ec;
    fs::remove_all(world.dest, ec);
    check(fs::create_directory(world.dest, ec));
    paasrun::deploy::UnpackLimits limits;
    limits.max_bytes = 1 << 20;  // small inputs: keep the disk use of one run bounded
    limits.max_entries = 1000;
    auto r = paasrun::deploy::unpack_archive(world.input, world.dest, limits);
    if (r) check_unpacked(world.dest, limits, *r);
    check(world.outside_untouched());
    return 0;
}
