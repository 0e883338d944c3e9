// `paasrun dashboard [--to URL] [--open]`: asks the running instance for a one-time login
// ticket (POST /v1/dashboard/tickets, with the admin token) and prints the dashboard's login
// link: the link works once, within 60 s, and never holds the token itself
// (docs/dashboard.md). --open hands it to xdg-open (found on PATH, run by process::spawn).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/commands.hpp"
#include "app/remote.hpp"
#include "process/exit_status.hpp"
#include "process/find_program.hpp"
#include "process/spawn.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::app {

namespace {

constexpr const char* kOpener = "xdg-open";

int fail(std::string_view message, int code) {
    fmt::print(stderr, "paasrun dashboard: error: {}\n", message);
    return code;
}

// The browser's base URL for an admin URL: http(s)://host:port (a unix socket has none).
std::optional<std::string> browser_base(const std::string& url) {
    auto parsed = admin::parse_admin_url(url);
    if (!parsed || parsed->kind == admin::AdminUrl::Kind::unix_socket) return std::nullopt;
    bool v6 = parsed->host.find(':') != std::string::npos;
    return fmt::format("{}://{}{}{}:{}",
                       parsed->kind == admin::AdminUrl::Kind::https ? "https" : "http",
                       v6 ? "[" : "", parsed->host, v6 ? "]" : "", parsed->port);
}

// Hands the link to xdg-open (found on PATH) and waits for it: xdg-open returns once the
// browser has it. Its output goes to stderr, so stdout holds only the link. Empty on success,
// else why the link was not opened.
std::string open_in_browser(const std::string& link) {
    const char* env_path = std::getenv("PATH");
    auto opener =
        process::find_program(kOpener, env_path ? env_path : "/usr/local/bin:/usr/bin:/bin");
    if (!opener) return fmt::format("there is no {} on PATH", kOpener);
    unique_fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return fmt::format("cannot open /dev/null: {}", std::strerror(errno));
    process::SpawnSpec spec;
    spec.argv = {std::string(kOpener), link};
    spec.path = *opener;
    spec.fds = {{devnull.get(), 0}, {STDERR_FILENO, 1}, {STDERR_FILENO, 2}};
    auto pid = process::spawn(spec);
    if (!pid) return pid.error().message;
    int status = 0;
    while (::waitpid(*pid, &status, 0) == -1)
        if (errno != EINTR) return fmt::format("waitpid: {}", std::strerror(errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    return fmt::format("{} failed ({})", *opener, process::describe_status(status));
}

int run_dashboard(remote::Target t, const std::string& app, bool open) {
    (void)remote::route(t, app);
    auto c = remote::open_client(t);
    if (!c) return fail(c.error().message, remote::kExitApi);
    auto base = browser_base((*c)->url());
    if (!base)
        return fail(
            fmt::format(
                "{} is a unix socket, which a browser cannot open: serve the admin API on a TCP "
                "address (admin.bind) or pass --to http://HOST:PORT",
                (*c)->url()),
            remote::kExitUsage);
    auto r = (*c)->send_json("POST", "/v1/dashboard/tickets", "");
    if (!r) return fail(r.error().message, remote::kExitApi);
    if (r->status != 201) return fail(r->describe(), remote::kExitApi);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(r->body);
    } catch (const std::exception&) {
        return fail("the answer to POST /v1/dashboard/tickets is not JSON", remote::kExitApi);
    }
    auto link = *base + j.value("login_path", std::string("/dashboard/login"));
    fmt::print("{}\n", link);
    fmt::print(stderr, "paasrun dashboard: the link logs in once, within {} s\n",
               j.value("expires_in_seconds", 60));
    std::fflush(stdout);
    if (open)
        if (auto why = open_in_browser(link); !why.empty())
            fmt::print(stderr,
                       "paasrun dashboard: could not open the link in a browser: {}; open the "
                       "link above yourself\n",
                       why);
    return remote::kExitOk;
}

}  // namespace

void register_dashboard(CLI::App& app, Commands& cmds) {
    struct Args {
        remote::Target target;
        std::string app = ".";
        bool open = false;
    };
    auto a = std::make_shared<Args>();
    auto* sub = app.add_subcommand("dashboard",
                                   "Print a one-time login link to a running instance's dashboard");
    add_app_option(sub, a->app);
    remote::add_options(sub, a->target);
    sub->add_flag("--open", a->open, "Open the link in the browser (xdg-open)");
    cmds.add(sub, [a] { return run_dashboard(a->target, a->app, a->open); });
}

}  // namespace paasrun::app
