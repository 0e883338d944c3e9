// No request reaches a file outside a static root: a canary next to the root, thousands of
// generated traversal payloads (encoded, double-encoded, overlong UTF-8, backslashes, drive
// letters, NUL) and symlink escapes, under both path resolvers.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <vector>

#include "static_files/safe_open.hpp"
#include "support.hpp"

using namespace paasrun::static_files;
using namespace paasrun::static_files::test;

namespace {

constexpr std::string_view kCanary = "CANARY-7f3e2d1c-outside-the-root";

struct Jail {
    TempDir tmp;  // tmp/canary.txt, tmp/secret/canary.txt, tmp/site/static/..., tmp/site/root/
    Jail() {
        write_file(tmp / "canary.txt", kCanary);
        write_file(tmp / "secret" / "canary.txt", kCanary);
        write_file(tmp / "site" / "canary.txt", kCanary);
        write_file(tmp / "site" / "static" / "app.js", "ok");
        write_file(tmp / "site" / "static" / "sub" / "deep" / "x.css", "ok");
        write_file(tmp / "site" / "root" / "robots.txt", "ok");
        // Symlink escapes planted inside the root.
        fs::create_symlink(tmp / "canary.txt", tmp / "site" / "static" / "abs-link.txt");
        fs::create_symlink("../../canary.txt", tmp / "site" / "static" / "rel-link.txt");
        fs::create_symlink("../../../canary.txt", tmp / "site" / "static" / "sub" / "up.txt");
        fs::create_symlink(tmp / "secret", tmp / "site" / "static" / "abs-dir");
        fs::create_symlink("../../secret", tmp / "site" / "static" / "rel-dir");
        fs::create_symlink("..", tmp / "site" / "static" / "parent");
        fs::create_symlink("/", tmp / "site" / "static" / "slash");
        fs::create_symlink("/proc/self/root" + (tmp / "canary.txt").string(),
                           tmp / "site" / "static" / "magic.txt");
        fs::create_symlink("loop", tmp / "site" / "static" / "loop");
        fs::create_symlink(tmp / "canary.txt", tmp / "site" / "root" / "favicon.ico");
        // A symlink that stays inside the root.
        fs::create_symlink("app.js", tmp / "site" / "static" / "alias.js");
    }
    StaticConfig config(Resolver mode) const {
        StaticConfig cfg;
        cfg.mounts = {{"/static", (tmp / "site" / "static").string()}};
        cfg.root = (tmp / "site" / "root").string();
        cfg.fallthrough = false;    // refusals become 404s we can look at
        cfg.serve_dotfiles = true;  // the hardest setting: only path rules and openat remain
        cfg.resolver = mode;
        cfg.revalidate_ms = 0;
        return cfg;
    }
};

std::vector<std::string> payloads(const fs::path& abs_canary) {
    const std::vector<std::string> dots = {
        "..",
        "%2e%2e",
        "%2E%2E",
        ".%2e",
        "%2e.",
        "%252e%252e",
        "%25252e%25252e",
        "%c0%ae%c0%ae",
        "%C0%AE%C0%AE",
        "%e0%80%ae%e0%80%ae",
        "%f0%80%80%ae%f0%80%80%ae",
        "%uff0e%uff0e",
        "\xef\xbc\x8e\xef\xbc\x8e",
        "%ef%bc%8e%ef%bc%8e",
        "..%00",
        "...",
        "....",
        ". .",
        "..;",
        "%2e%2e%00",
        "..%20",
        "%20..",
    };
    const std::vector<std::string> seps = {
        "/",   "%2f",   "%2F",    "%252f",  "%25252f", "\\",        "%5c",
        "%5C", "%255c", "%c0%af", "%C0%AF", "%c1%9c",  "%e0%80%af", "%c0%5c",
        "/./", "//",    "/%2e/",  ";/",     "%00/",
    };
    const std::vector<std::string> tails = {"canary.txt", "secret/canary.txt",
                                            "secret%2fcanary.txt", "canary.txt%00.js",
                                            "canary.txt%00"};
    const std::vector<std::string> prefixes = {"/static/", "/static/sub/", "/static/sub/deep/",
                                               "/"};
    std::vector<std::string> out;
    for (const auto& prefix : prefixes)
        for (const auto& d : dots)
            for (const auto& sep : seps)
                for (int depth : {1, 2, 3, 4, 6})
                    for (const auto& tail : tails) {
                        std::string p = prefix;
                        for (int i = 0; i < depth; ++i) p += d + sep;
                        out.push_back(p + tail);
                    }
    // Absolute paths and drive letters glued to a prefix.
    const std::string abs = abs_canary.string();
    for (const auto& prefix : prefixes) {
        for (const auto& sep : seps) {
            out.push_back(prefix + sep + abs.substr(1));
            out.push_back(prefix + "C:" + sep + abs.substr(1));
            out.push_back(prefix + "c%3a" + sep + abs.substr(1));
            out.push_back(prefix + "%2f" + abs.substr(1));
            out.push_back(prefix + "file:" + sep + sep + abs.substr(1));
        }
        out.push_back(prefix + abs);
        out.push_back(prefix + "/" + abs);
        out.push_back(prefix + "%00");
        out.push_back(prefix + std::string(5000, 'a'));
        out.push_back(prefix + std::string(300, '.') + "/canary.txt");
        for (int i = 0; i < 300; ++i) out.back().insert(prefix.size(), "../");
    }
    // The planted symlinks, plainly and through the root.
    for (auto name : {"abs-link.txt", "rel-link.txt", "sub/up.txt", "abs-dir/canary.txt",
                      "rel-dir/canary.txt", "parent/canary.txt", "parent/parent/canary.txt",
                      "slash", "magic.txt", "loop", "loop/x"}) {
        out.push_back(std::string("/static/") + name);
        out.push_back(std::string("/static/") + name + "/");
    }
    out.push_back("/static/slash" + abs);
    out.push_back("/favicon.ico");
    out.push_back("/canary.txt");
    out.push_back("/../canary.txt");
    out.push_back("/static/../canary.txt");
    return out;
}

// A decision never carries the canary: not in its body, not through its fd.
void check_no_canary(StaticFiles& files, const std::string& path, std::size_t& served) {
    for (auto method : {"GET", "HEAD"}) {
        auto r = get(path, method);
        r.accept_encoding = "gzip, br";
        auto d = files.resolve(r);
        if (!d.mine) continue;
        INFO(path);
        CHECK(d.plan.status != 500);
        CHECK(body_of(d.plan).find(kCanary) == std::string::npos);
        if (d.plan.status == 200) ++served;
    }
}

}  // namespace

TEST_CASE("traversal: no payload returns the canary (openat2 RESOLVE_BENEATH)",
          "[static][traversal]") {
    Jail jail;
    auto cfg = jail.config(Resolver::beneath);
    auto opened = StaticFiles::open(cfg);
    if (!opened) {
        WARN("openat2 unavailable here: " << opened.error().describe());
        return;
    }
    auto& files = **opened;
    auto all = payloads(jail.tmp / "canary.txt");
    REQUIRE(all.size() > 2000);
    std::size_t served = 0;
    for (const auto& p : all) check_no_canary(files, p, served);
    CHECK(served == 0);  // not one payload found a file at all
    // Controls: the same instance serves the legitimate files, including an inside symlink.
    CHECK(body_of(files.resolve(get("/static/app.js")).plan) == "ok");
    CHECK(body_of(files.resolve(get("/static/sub/deep/x.css")).plan) == "ok");
    CHECK(body_of(files.resolve(get("/static/alias.js")).plan) == "ok");
    CHECK(body_of(files.resolve(get("/robots.txt")).plan) == "ok");
}

TEST_CASE("traversal: no payload returns the canary (O_NOFOLLOW walk)", "[static][traversal]") {
    Jail jail;
    auto files = open_or_throw(jail.config(Resolver::walk));
    CHECK(files->resolver() == Resolver::walk);
    auto all = payloads(jail.tmp / "canary.txt");
    std::size_t served = 0;
    for (const auto& p : all) check_no_canary(*files, p, served);
    CHECK(served == 0);
    CHECK(body_of(files->resolve(get("/static/app.js")).plan) == "ok");
    CHECK(body_of(files->resolve(get("/static/sub/deep/x.css")).plan) == "ok");
    // The walk refuses every symlink, also one that stays inside (documented).
    CHECK(files->resolve(get("/static/alias.js")).plan.status == 404);
}

TEST_CASE("traversal: automatic picks openat2 where the kernel has it", "[static][traversal]") {
    Jail jail;
    auto files = open_or_throw(jail.config(Resolver::automatic));
    auto root = ::open((jail.tmp / "site").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(root >= 0);
    bool works = openat2_works(root);
    ::close(root);
    CHECK(files->resolver() == (works ? Resolver::beneath : Resolver::walk));
}

TEST_CASE("traversal: open_beneath refuses escapes directly", "[static][traversal]") {
    Jail jail;
    int root = ::open((jail.tmp / "site" / "static").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(root >= 0);
    std::vector<Resolver> modes = {Resolver::walk};
    if (openat2_works(root)) modes.push_back(Resolver::beneath);
    for (auto mode : modes) {
        INFO(describe(mode));
        paasrun::unique_fd fd;
        CHECK(open_beneath(root, "../canary.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "abs-link.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "rel-link.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "abs-dir/canary.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "parent/canary.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "magic.txt", mode, fd) != 0);
        CHECK(open_beneath(root, "", mode, fd) != 0);
        CHECK(open_beneath(root, "app.js", mode, fd) == 0);
        CHECK(fd.valid());
    }
    ::close(root);
}

TEST_CASE("traversal: FIFOs and other non-regular files are never opened for serving",
          "[static][traversal]") {
    Jail jail;
    auto fifo = jail.tmp / "site" / "static" / "pipe.js";
    REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
    for (auto mode : {Resolver::automatic, Resolver::walk}) {
        auto files = open_or_throw(jail.config(mode));
        auto start = std::chrono::steady_clock::now();
        auto d = files->resolve(get("/static/pipe.js"));
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));  // no block
        CHECK(d.plan.status == 404);
    }
}
