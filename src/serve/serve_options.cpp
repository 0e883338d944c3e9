#include "serve/serve_options.hpp"

#include <charconv>
#include <climits>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <variant>

#include "serve/serve_option_table.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

namespace paasrun::worker {
namespace {

constexpr std::string_view kNoValue = "\x01";  // never produced: strings are written verbatim

Error arg_error(std::size_t index, std::string msg) {
    return Error(std::move(msg), Where{"worker args", 0, static_cast<int>(index + 1)});
}

Status check_range(std::string_view name, long long v, long long lo, long long hi) {
    if (v < lo || v > hi)
        return Error(fmt::format("--{} must be between {} and {} (got {})", name, lo, hi, v));
    return {};
}

}  // namespace

EnvLookup process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* v = std::getenv(std::string(name).c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto comma = text.find(',');
        auto item = text.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return out;
}

std::string_view to_string(AccessLogFormat f) {
    switch (f) {
        case AccessLogFormat::json:
            return "json";
        case AccessLogFormat::combined:
            return "combined";
        case AccessLogFormat::logfmt:
            break;
    }
    return "logfmt";
}

std::optional<AccessLogFormat> parse_access_log_format(std::string_view s) {
    if (s == "logfmt") return AccessLogFormat::logfmt;
    if (s == "json") return AccessLogFormat::json;
    if (s == "combined") return AccessLogFormat::combined;
    return std::nullopt;
}

Result<StaticMount> parse_static_mount(std::string_view text) {
    auto eq = text.find('=');
    if (eq == std::string_view::npos)
        return Error(fmt::format("--static expects PREFIX=DIR, got {}", log::quote(text)));
    StaticMount m{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
    if (m.prefix.empty() || m.prefix.front() != '/')
        return Error(
            fmt::format("--static prefix must start with '/', got {}", log::quote(m.prefix)));
    if (m.dir.empty()) return Error(fmt::format("--static {}: directory is empty", m.prefix));
    return m;
}

Status validate(const ServeOptions& o) {
    if (o.app.empty()) return Error("missing APP (module:callable)");
    auto colon = o.app.find(':');
    auto module = o.app.substr(0, colon);
    if (module.empty()) return Error(fmt::format("APP {}: empty module name", log::quote(o.app)));
    if (colon != std::string::npos && colon + 1 == o.app.size())
        return Error(fmt::format("APP {}: empty callable after ':'", log::quote(o.app)));
    if (o.interface != "auto" && o.interface != "asgi" && o.interface != "wsgi")
        return Error(fmt::format("--interface must be auto, asgi or wsgi (got {})",
                                 log::quote(o.interface)));
    if (o.bind.empty()) return Error("no --bind address");
    for (const auto& b : o.bind)
        if (b.empty()) return Error("--bind: empty address");
    constexpr long long kDay = 86400;
    if (auto s = check_range("backlog", o.backlog, 1, INT_MAX); !s) return s;
    if (auto s = check_range("workers", o.workers, 0, 1024); !s) return s;
    if (auto s = check_range("threads", o.threads, 1, 1024); !s) return s;
    if (auto s = check_range("timeout", o.timeout, 0, kDay); !s) return s;
    if (auto s = check_range("loop-yield-us", o.loop_yield_us, 0, 1000000); !s) return s;
    if (auto s = check_range("sched-slice-us", o.sched_slice_us, 0, 100000); !s) return s;
    if (auto s = check_range("graceful-timeout", o.graceful_timeout, 0, kDay); !s) return s;
    if (auto s = check_range("keep-alive", o.keep_alive, 0, kDay); !s) return s;
    if (auto s = check_range("request-timeout", o.request_timeout, 0, kDay); !s) return s;
    if (auto s = check_range("ws-ping-interval", o.ws_ping_interval, 0, kDay); !s) return s;
    if (auto s = check_range("ws-ping-timeout", o.ws_ping_timeout, 0, kDay); !s) return s;
    if (auto s = check_range("ws-idle-timeout", o.ws_idle_timeout, 0, kDay); !s) return s;
    if (o.ws_max_size < 1 || o.ws_max_size > (1ull << 31))
        return Error(
            fmt::format("--ws-max-size must be 1..{} bytes (got {})", 1ull << 31, o.ws_max_size));
    // 0 means "unlimited" for gunicorn's limits too, but an unbounded request line or header
    // block is exactly what a slowloris client wants, so paasrun requires a positive bound.
    if (auto s = check_range("limit-request-line", o.limit_request_line, 1, 1 << 20); !s) return s;
    if (auto s = check_range("limit-request-fields", o.limit_request_fields, 1, 32768); !s)
        return s;
    if (auto s = check_range("limit-request-field-size", o.limit_request_field_size, 1, 1 << 20);
        !s)
        return s;
    if (!o.root_path.empty() && (o.root_path.front() != '/' || o.root_path.back() == '/'))
        return Error(fmt::format("--root-path must start with '/' and not end with '/' (got {})",
                                 log::quote(o.root_path)));
    if (auto s = check_range("static-max-age", o.static_max_age, 0, 10 * 365 * kDay); !s) return s;
    for (const auto& p : o.static_immutable)
        if (p.empty() || p.front() != '/')
            return Error(
                fmt::format("--static-immutable {}: a URL prefix starts with '/'", log::quote(p)));
    for (const auto& m : o.static_mounts)
        if (m.prefix.empty() || m.prefix.front() != '/' || m.dir.empty())
            return Error(fmt::format("--static {}={}: bad mount", m.prefix, m.dir));
    if (o.access_log.empty()) return Error("--access-log: empty destination (use - for off)");
    if (auto s = check_range("worker-connections", o.worker_connections, 0, 1000000); !s) return s;
    if (o.worker_class != "sync" && o.worker_class != "gthread")
        return Error(
            fmt::format("--worker-class {}: expected sync or gthread", log::quote(o.worker_class)));
    // (--access-logformat's template is compiled by `paasrun serve` before the arbiter starts
    // and by each worker: http/access_log_template.hpp; serve links no http/.)
    if (o.error_log.empty()) return Error("--error-logfile: empty file name (use - for stderr)");
    return {};
}

Status resolve_defaults(ServeOptions& o, const EnvLookup& env, bool forwarded_from_cli,
                        int auto_workers) {
    // Lists given as "a,b" on the command line or in the environment are split here, once.
    auto flatten = [](std::vector<std::string>& v) {
        std::vector<std::string> out;
        for (const auto& item : v)
            for (auto& part : split_list(item)) out.push_back(std::move(part));
        v = std::move(out);
    };
    flatten(o.pythonpath);
    flatten(o.proxy_allow_ips);
    // `paasrun up --reload` sets PAASRUN_RELOAD=1 for its processes: every `paasrun serve`
    // in the Procfile reloads without a flag in it.
    if (auto v = env("PAASRUN_RELOAD"); v && (*v == "1" || *v == "true")) o.reload = true;

    if (!forwarded_from_cli) {
        if (auto v = env("FORWARDED_ALLOW_IPS")) o.forwarded_allow_ips = split_list(*v);
    } else {
        flatten(o.forwarded_allow_ips);
    }

    if (o.bind.empty()) {
        // gunicorn: without --bind, listen on 0.0.0.0:$PORT when PORT is set (a platform
        // routes to it), else on 127.0.0.1:8000 (a laptop: not reachable from the network).
        if (auto v = env("PORT"); v && !v->empty()) {
            unsigned p = 0;
            if (!parse_int(*v, p) || p > 65535)
                return Error(fmt::format("PORT={} is not a port number", log::quote(*v)));
            o.bind.push_back("0.0.0.0:" + *v);
        } else {
            o.bind.push_back("127.0.0.1:8000");
        }
    }

    if (o.workers == 0) {
        if (auto v = env("WEB_CONCURRENCY"); v && !v->empty()) {
            int n = 0;
            if (!parse_int(*v, n) || n < 1)
                return Error(
                    fmt::format("WEB_CONCURRENCY={} is not a positive number", log::quote(*v)));
            o.workers = n;
        } else {
            o.workers = auto_workers > 0 ? auto_workers : 1;
        }
    }
    return validate(o);
}

std::vector<std::string> to_args(const ServeOptions& o) {
    std::vector<std::string> out;
    for (const auto& row : serve_option_table()) {
        if (row.wire.empty()) continue;  // an alias: its member travels under the primary row
        auto put = [&](std::string_view value) {
            out.push_back(fmt::format("--{}={}", row.wire, value));
        };
        std::visit(
            [&](auto member) {
                using T = std::remove_cvref_t<decltype(o.*member)>;
                const auto& v = o.*member;
                if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                    // An empty list must survive the round trip as "empty", not as "unset".
                    if (v.empty()) out.push_back(fmt::format("--{}", row.wire));
                    for (const auto& s : v) put(s);
                } else if constexpr (std::is_same_v<T, std::vector<StaticMount>>) {
                    for (const auto& m : v) put(m.prefix + "=" + m.dir);
                } else {
                    put(option_value_text(o, row));
                }
            },
            row.member);
    }
    return out;
}

Result<ServeOptions> from_args(const std::vector<std::string>& args) {
    ServeOptions o;
    // List options start from the defaults of a fresh ServeOptions; the first occurrence of
    // a list name replaces the default, later ones append.
    std::vector<std::string_view> seen_lists;
    auto first_time = [&](std::string_view name) {
        for (auto s : seen_lists)
            if (s == name) return false;
        seen_lists.push_back(name);
        return true;
    };

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (!a.starts_with("--"))
            return arg_error(i, fmt::format("expected --name=value, got {}", log::quote(a)));
        a.remove_prefix(2);
        auto eq = a.find('=');
        auto name = a.substr(0, eq);
        std::string_view value = eq == std::string_view::npos ? kNoValue : a.substr(eq + 1);

        const ServeOptionRow* row = find_option_by_wire(name);
        if (!row) return arg_error(i, fmt::format("unknown option --{}", name));
        bool list = row->arity == OptionArity::list;
        bool first = list && first_time(name);
        if (value == kNoValue) {
            if (!list) return arg_error(i, fmt::format("--{} needs a value", name));
            if (first) std::visit([&](auto member) { (o.*member) = {}; }, row->member);
            continue;
        }
        if (auto st = set_option(o, *row, value, first); !st)
            return arg_error(i, st.error().message);
    }
    return o;
}

}  // namespace paasrun::worker
