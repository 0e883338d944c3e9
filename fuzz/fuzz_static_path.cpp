// libFuzzer target: StaticFiles::resolve() over odd paths and header values (src/static_files).
// Seeds: tests/fixtures/fuzz/static_path/ (+ static_path.dict).
//
// Input: fields separated by '\n': method, path, Range, If-None-Match, If-Modified-Since,
// If-Range, Accept-Encoding (missing fields are empty). The tree is built once in a temp dir:
// a static root with a few files, a .gz sibling, an index, planted symlink escapes, and a
// canary file outside the root.
//
// Beyond "no crash, no UB" it checks the module's contracts:
// - no decision ever carries the canary bytes (memory body or file range);
// - statuses are from the documented set, never 500;
// - a body's length equals the announced Content-Length (except HEAD / 304, which send none);
// - 206 bodies lie inside the file and match their Content-Range;
// - every plan renders into a valid response head.
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "static_files/static_files.hpp"

namespace {

namespace fs = std::filesystem;
using namespace paasrun::static_files;

constexpr std::string_view kCanary = "FUZZ-CANARY-outside";

void check(bool ok) {
    if (!ok) std::abort();
}

void put(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

struct World {
    std::unique_ptr<StaticFiles> files;
    std::unique_ptr<StaticFiles> walk_files;
    World() {
        char tmpl[] = "/tmp/paasrun-fuzz-static-XXXXXX";
        check(::mkdtemp(tmpl) != nullptr);
        fs::path base = tmpl;
        put(base / "canary.txt", kCanary);
        put(base / "site" / "app.js", "console.log('ok');\n");
        put(base / "site" / "app.js.gz", "gz-bytes-not-really");
        put(base / "site" / "style.3f2a9c1e.css", "body{}\n");
        put(base / "site" / "dir" / "index.html", "<h1>index</h1>\n");
        put(base / "site" / "empty.txt", "");
        put(base / "site" / ".env", "SECRET");
        put(base / "site" / "big.bin", std::string(100 * 1024, 'b'));
        put(base / "root" / "robots.txt", "User-agent: *\n");
        fs::create_symlink(base / "canary.txt", base / "site" / "abs-link");
        fs::create_symlink("../canary.txt", base / "site" / "rel-link");
        fs::create_symlink("..", base / "site" / "up");
        StaticConfig cfg;
        cfg.mounts = {{"/static", (base / "site").string()}};
        cfg.root = (base / "root").string();
        cfg.fallthrough = false;
        cfg.cors = true;
        auto r = StaticFiles::open(cfg);
        check(r.ok());
        files = std::move(*r);
        cfg.resolver = Resolver::walk;
        cfg.revalidate_ms = 0;
        auto w = StaticFiles::open(cfg);
        check(w.ok());
        walk_files = std::move(*w);
    }
};

std::string body_of(const ResponsePlan& p) {
    if (p.body == BodySource::memory) return std::string(p.memory);
    if (p.body != BodySource::file) return {};
    std::string out(p.length, '\0');
    ssize_t n = ::pread(p.fd, out.data(), out.size(), static_cast<off_t>(p.offset));
    check(n == static_cast<ssize_t>(out.size()));
    return out;
}

void verify(const RequestView& req, const Decision& d) {
    if (!d.mine) return;
    const auto& p = d.plan;
    switch (p.status) {
        case 200:
        case 206:
        case 302:
        case 304:
        case 404:
        case 405:
        case 416:
            break;
        default:
            check(false);
    }
    std::string body = body_of(p);
    check(body.find(kCanary) == std::string::npos);
    check(body.size() == p.length);
    if (p.head_request || p.status == 304) check(p.body == BodySource::none);
    if (p.status != 304) {
        check(p.content_length.has_value());
        if (!p.head_request) check(*p.content_length == p.length);
    }
    if (p.status == 206) {
        check(!p.content_range.empty() && req.method == "GET");
        check(p.length > 0);
    }
    if (p.status == 416) check(p.content_range.rfind("bytes */", 0) == 0);
    std::string head;
    paasrun::http::ResponsePlan framing;
    check(render_head(p, paasrun::http::Version::http11, true, head, framing) ==
          paasrun::http::ResponseError::none);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static World world;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string_view field[7];
    for (auto& f : field) {
        auto nl = in.find('\n');
        f = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
    }
    RequestView req;
    req.method = field[0];
    req.path = field[1];
    auto q = req.path.find('?');
    if (q != std::string_view::npos) {
        req.query = req.path.substr(q + 1);
        req.path = req.path.substr(0, q);
    }
    req.range = field[2];
    req.if_none_match = field[3];
    req.if_modified_since = field[4];
    req.if_range = field[5];
    req.accept_encoding = field[6];
    verify(req, world.files->resolve(req));
    verify(req, world.walk_files->resolve(req));
    return 0;
}
