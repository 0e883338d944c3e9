// Interpreter setup: venv resolution, site-packages (venv and system), sys.path order,
// honoured PYTHON* variables, and the faulthandler stack dump on a signal.
//
// A process can initialise CPython once, and this test process already did (support.cpp),
// so every case that needs a fresh interpreter re-runs this same binary as a probe: when
// PAASRUN_WSGI_PROBE is set, a static initialiser below runs the probe and _exits before
// Catch's main() ever starts.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"
#include "support/temp_dir.hpp"
#include "wsgi/interpreter.hpp"
#include "wsgi/py_ref.hpp"

using namespace paasrun::wsgi;
namespace fs = std::filesystem;
using nlohmann::json;

using paasrun::testing::TempDir;

namespace {

constexpr const char* kReport = R"PY(
import json, os, sys
def importable(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False
print(json.dumps({
    "prefix": sys.prefix, "base_prefix": sys.base_prefix, "executable": sys.executable,
    "path": sys.path, "cwd": os.getcwd(), "isolated": sys.flags.isolated,
    "flask": importable("flask"), "venvonly": importable("venvonly"),
    "dont_write_bytecode": sys.dont_write_bytecode, "warnoptions": sys.warnoptions,
    "argv": sys.argv, "faulthandler": __import__("faulthandler").is_enabled(),
    "stdout_buffered": hasattr(sys.stdout, "buffer") and not sys.stdout.write_through,
}))
)PY";

constexpr const char* kStuck = R"PY(
import os, signal
def stuck_view_function():
    os.kill(os.getpid(), signal.SIGUSR2)
stuck_view_function()
print("still alive")
)PY";

int run_probe(std::string_view mode) {
    InterpreterOptions options;
    if (const char* v = std::getenv("PROBE_VENV")) options.venv = v;
    if (const char* v = std::getenv("PROBE_CHDIR")) options.chdir = v;
    if (const char* v = std::getenv("PROBE_PYTHONPATH")) options.pythonpath = {v};
    options.argv = {"probe", "arg1"};
    auto interp = Interpreter::initialize(options);
    if (!interp) {
        std::printf("INIT-ERROR %s\n", interp.error().message.c_str());
        return 3;
    }
    if (mode == "stackdump") {
        if (auto ok = register_stack_dump(SIGUSR2); !ok) {
            std::printf("REGISTER-ERROR %s\n", ok.error().message.c_str());
            return 4;
        }
    }
    int rc = PyRun_SimpleString(mode == "stackdump" ? kStuck : kReport);
    std::fflush(stdout);
    return rc == 0 ? 0 : 5;
}

const int kProbe = [] {
    if (const char* mode = std::getenv("PAASRUN_WSGI_PROBE")) {
        int rc = run_probe(mode);
        std::fflush(stdout);  // _exit skips stdio's buffers
        ::_exit(rc);
    }
    return 0;
}();

struct ProbeResult {
    int status = -1;
    std::string output;  // stdout + stderr
};

// Runs this binary as a probe with extra environment assignments ("K=V" words, no spaces).
ProbeResult probe(const std::string& mode, const std::string& env_words) {
    (void)kProbe;
    std::string self = fs::read_symlink("/proc/self/exe").string();
    std::string cmd =
        "env -u VIRTUAL_ENV -u PYTHONPATH -u PYTHONWARNINGS -u PYTHONDONTWRITEBYTECODE "
        "PAASRUN_WSGI_PROBE=" +
        mode + " " + env_words + " " + self + " 2>&1";
    ProbeResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int status = ::pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

json report(const std::string& env_words) {
    ProbeResult r = probe("report", env_words);
    INFO(r.output);
    REQUIRE(r.status == 0);
    auto last_line_start = r.output.rfind('{');
    REQUIRE(last_line_start != std::string::npos);
    return json::parse(r.output.substr(last_line_start));
}

// A real venv made by Debian's python3, with one module only it provides.
void make_venv(const fs::path& dir, bool system_site_packages) {
    std::string cmd = "/usr/bin/python3 -m venv --without-pip " +
                      std::string(system_site_packages ? "--system-site-packages " : "") +
                      dir.string();
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ofstream(dir / "lib/python3.11/site-packages/venvonly.py") << "VALUE = 1\n";
}

bool path_has(const json& doc, const std::string& entry) {
    for (const auto& p : doc.at("path"))
        if (p == entry) return true;
    return false;
}

}  // namespace

TEST_CASE("interpreter: --venv with system site packages", "[wsgi][interpreter][venv]") {
    TempDir tmp;
    fs::path venv = tmp.path / "env";
    fs::path app = tmp.path / "app";
    fs::create_directories(app);
    make_venv(venv, true);
    json doc = report("PROBE_VENV=" + venv.string() + " PROBE_CHDIR=" + app.string() +
                      " PROBE_PYTHONPATH=" + (tmp.path / "extra").string() +
                      " PYTHONPATH=/opt/from-env PYTHONDONTWRITEBYTECODE=1 "
                      "PYTHONWARNINGS=error::DeprecationWarning");
    CHECK(doc.at("prefix") == venv.string());
    CHECK(doc.at("base_prefix") == "/usr");
    CHECK(doc.at("executable") == (venv / "bin/python").string());
    CHECK(doc.at("venvonly") == true);
    CHECK(doc.at("flask") == true);  // /usr/lib/python3/dist-packages, allowed by pyvenv.cfg
    CHECK(doc.at("cwd") == app.string());
    CHECK(doc.at("isolated") == 1);
    // App dir first (gunicorn), then --pythonpath, then PYTHONPATH.
    CHECK(doc.at("path").at(0) == app.string());
    CHECK(doc.at("path").at(1) == (tmp.path / "extra").string());
    CHECK(doc.at("path").at(2) == "/opt/from-env");
    CHECK(path_has(doc, (venv / "lib/python3.11/site-packages").string()));
    CHECK(doc.at("dont_write_bytecode") == true);
    CHECK(doc.at("warnoptions") == json::array({"error::DeprecationWarning"}));
    CHECK(doc.at("argv") == json::array({"probe", "arg1"}));
    CHECK(doc.at("faulthandler") == true);
    CHECK(doc.at("stdout_buffered") == false);
}

TEST_CASE("interpreter: a venv without system site packages hides Debian's",
          "[wsgi][interpreter][venv]") {
    TempDir tmp;
    fs::path venv = tmp.path / "env";
    make_venv(venv, false);
    json doc = report("PROBE_VENV=" + venv.string());
    CHECK(doc.at("prefix") == venv.string());
    CHECK(doc.at("venvonly") == true);
    CHECK(doc.at("flask") == false);
    CHECK_FALSE(path_has(doc, "/usr/lib/python3/dist-packages"));
}

TEST_CASE("interpreter: VIRTUAL_ENV, then APP_DIR/.venv, then the system python",
          "[wsgi][interpreter][venv]") {
    TempDir tmp;
    fs::path app = tmp.path / "app";
    fs::create_directories(app);
    make_venv(app / ".venv", false);
    fs::path other = tmp.path / "other";
    make_venv(other, false);

    json from_env = report("VIRTUAL_ENV=" + other.string() + " PROBE_CHDIR=" + app.string());
    CHECK(from_env.at("prefix") == other.string());
    json from_app_dir = report("PROBE_CHDIR=" + app.string());
    CHECK(from_app_dir.at("prefix") == (app / ".venv").string());
    json stale_env = report("VIRTUAL_ENV=/nonexistent PROBE_CHDIR=" + app.string());
    CHECK(stale_env.at("prefix") == (app / ".venv").string());
    json system = report("PROBE_CHDIR=" + tmp.path.string());
    CHECK(system.at("prefix") == "/usr");
    CHECK(system.at("flask") == true);
}

TEST_CASE("interpreter: a missing --venv or a foreign venv fails initialisation",
          "[wsgi][interpreter][venv]") {
    auto none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    auto missing = resolve_python_executable("/nonexistent/venv", "/tmp", none);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("/nonexistent/venv/bin/python") != std::string::npos);

    TempDir tmp;
    fs::create_directories(tmp.path / "bin");
    std::ofstream(tmp.path / "pyvenv.cfg") << "home = /opt/py39/bin\nversion = 3.9.18\n";
    auto foreign = check_venv_version((tmp.path / "bin/python").string());
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().message.find("venv made by Python 3.9.18") != std::string::npos);
    std::ofstream(tmp.path / "pyvenv.cfg", std::ios::trunc)
        << "home = /usr/bin\nversion = 3.11.2\n";
    CHECK(check_venv_version((tmp.path / "bin/python").string()));
    CHECK(check_venv_version("/usr/bin/python3"));  // not a venv

    ProbeResult r = probe("report", "PROBE_VENV=" + (tmp.path / "nope").string());
    CHECK(r.status == 3);
    CHECK(r.output.find("INIT-ERROR --venv") != std::string::npos);
}

TEST_CASE("interpreter: the stack-dump signal prints every Python stack and keeps running",
          "[wsgi][interpreter][faulthandler]") {
    ProbeResult r = probe("stackdump", "");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("stuck_view_function") != std::string::npos);
    CHECK(r.output.find("still alive") != std::string::npos);
}

TEST_CASE("interpreter: the test interpreter reports its executable and prefix",
          "[wsgi][interpreter]") {
    // support.cpp initialised with no venv and a hermetic environment.
    CHECK(test::interpreter().executable() == "/usr/bin/python3");
    CHECK(test::interpreter().prefix() == "/usr");
}
