#include "serve/arbiter_handoff.hpp"

#include <charconv>

#include "util/log.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

constexpr std::string_view kOptionsMarker = "--serve-options";

Error bad(std::string_view arg) {
    return Error(fmt::format("worker hand-off: bad argument {}", log::quote(arg)));
}

}  // namespace

std::vector<std::string> handoff_args(const WorkerContext& ctx) {
    std::string fds;
    for (int fd : ctx.listen_fds) fds += (fds.empty() ? "" : ",") + std::to_string(fd);
    std::vector<std::string> out{
        fmt::format("--index={}", ctx.index),
        fmt::format("--serial={}", ctx.serial),
        fmt::format("--control-fd={}", ctx.control_fd),
        fmt::format("--heartbeat-fd={}", ctx.heartbeat_fd),
        "--listen-fds=" + fds,
    };
    if (ctx.zygote) out.emplace_back("--zygote=true");
    out.emplace_back(kOptionsMarker);
    for (auto& a : to_args(ctx.options)) out.push_back(std::move(a));
    return out;
}

Result<WorkerContext> parse_handoff_args(const std::vector<std::string>& args) {
    WorkerContext ctx;
    bool have_index = false, have_control = false, have_heartbeat = false, have_listen = false;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a == kOptionsMarker) break;
        auto eq = a.find('=');
        if (!a.starts_with("--") || eq == std::string_view::npos) return bad(a);
        auto name = a.substr(2, eq - 2);
        auto value = a.substr(eq + 1);
        if (name == "index") {
            if (!parse_int(value, ctx.index) || ctx.index < 1) return bad(a);
            have_index = true;
        } else if (name == "serial") {
            if (!parse_int(value, ctx.serial)) return bad(a);
        } else if (name == "control-fd") {
            if (!parse_int(value, ctx.control_fd) || ctx.control_fd < 0) return bad(a);
            have_control = true;
        } else if (name == "heartbeat-fd") {
            if (!parse_int(value, ctx.heartbeat_fd) || ctx.heartbeat_fd < 0) return bad(a);
            have_heartbeat = true;
        } else if (name == "listen-fds") {
            for (auto& item : split_list(value)) {
                int fd = -1;
                if (!parse_int(std::string_view(item), fd) || fd < 0) return bad(a);
                ctx.listen_fds.push_back(fd);
            }
            have_listen = true;
        } else if (name == "zygote") {
            if (value != "true") return bad(a);
            ctx.zygote = true;
        } else {
            return bad(a);
        }
    }
    if (i == args.size())
        return Error("worker hand-off: missing --serve-options before the serve options");
    if (!have_index || !have_control || !have_heartbeat || !have_listen)
        return Error(
            "worker hand-off: --index, --control-fd, --heartbeat-fd and --listen-fds are required");
    auto opts = from_args(
        std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end()));
    if (!opts) return opts.error();
    ctx.options = std::move(*opts);
    return ctx;
}

}  // namespace paasrun::worker
