"""pytest plugin that makes a skip visible to CTest (loaded by CMakeLists.txt with
`-p skip_status`; see tests/integration/README.md).

CTest runs one pytest process per test file and only sees its exit status, so a file whose
tests passed except one that skipped would be reported as "Passed". With this plugin:
  - every skipped test (or module skipped at collection) prints one line
        paasrun-skip: <node id>: <reason>
    which scripts/test-totals collects from CTest's JUnit output into the final totals;
  - a run with no failure and at least one skip exits with SKIP_EXIT (77, automake's
    "skipped"), which CMake declares as the file's SKIP_RETURN_CODE: CTest reports the file
    as "Skipped" (Not Run) instead of "Passed".
A module that skips itself whole (pytest's exit status 5, "no tests collected") counts as
skipped too. A failure always wins: the exit status stays pytest's own (1) whatever was skipped.
Running pytest by hand without `-p skip_status` behaves as plain pytest (exit 0 with skips).
"""
SKIP_EXIT = 77

_skips = []


def _reason(report):
    # A skip's longrepr is (path, line, "Skipped: reason").
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return report.longrepr[2].removeprefix("Skipped: ")
    return str(report.longrepr)


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skips.append((report.nodeid, _reason(report)))


def pytest_collectreport(report):
    if report.skipped:
        _skips.append((report.nodeid, _reason(report)))


def pytest_terminal_summary(terminalreporter):
    for nodeid, reason in _skips:
        terminalreporter.write_line(f"paasrun-skip: {nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    # 5 (no tests collected) is what pytest returns when a module skipped itself whole.
    if exitstatus in (0, 5) and _skips:
        session.exitstatus = SKIP_EXIT
