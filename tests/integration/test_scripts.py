"""The set-up and test scripts say what happened: scripts/bootstrap fails when the build
fails (and builds only `paasrun` without --test), scripts/fuzz fails without clang, and a
skipped integration test is reported as skipped (tests/integration/skip_status.py, CTest's
SKIP_RETURN_CODE, scripts/test-totals), never as passed.

The bootstrap tests point PAASRUN_BUILD_DIR at a tiny CMake tree of their own, so they run
the real script without touching build/; the packages it checks are already installed where
the integration tests run (scripts/test runs `scripts/bootstrap --test` first).
"""
import os
import re
import shutil
import subprocess

from conftest import ROOT, SYSTEM_PYTHON

SCRIPTS = ROOT / "scripts"
SKIP_EXIT = 77


def fake_build_tree(tmp_path, paasrun_ok=True, other_ok=True):
    """A configured Ninja tree with targets `paasrun` and `unit_other`, each compiling or not,
    and a stale `paasrun` from an earlier build (what the tests would otherwise run)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.25)\nproject(fake CXX)\n"
        "add_executable(paasrun paasrun.cpp)\nadd_executable(unit_other other.cpp)\n")
    good, bad = "int main() { return 0; }\n", "int main() { return not_declared; }\n"
    (src / "paasrun.cpp").write_text(good if paasrun_ok else bad)
    (src / "other.cpp").write_text(good if other_ok else bad)
    build = tmp_path / "build"
    subprocess.run(["cmake", "-S", src, "-B", build, "-G", "Ninja"], check=True, capture_output=True)
    (build / "paasrun").write_text("#!/bin/sh\necho stale\n")
    (build / "paasrun").chmod(0o755)
    return build


def bootstrap(build, *args):
    return subprocess.run([SCRIPTS / "bootstrap", *args], env=dict(os.environ, PAASRUN_BUILD_DIR=str(build)),
                          capture_output=True, text=True, timeout=300)


def test_bootstrap_fails_when_the_build_fails_even_with_a_stale_binary(tmp_path):
    r = bootstrap(fake_build_tree(tmp_path, paasrun_ok=False))
    assert r.returncode != 0, r.stdout + r.stderr
    assert "not_declared" in r.stdout + r.stderr  # the compiler's error is shown
    assert "the build failed" in r.stderr


def test_bootstrap_builds_only_paasrun_unless_test(tmp_path):
    build = fake_build_tree(tmp_path, other_ok=False)
    r = bootstrap(build)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "built" in r.stdout
    r = bootstrap(build, "--test")  # builds everything: the broken unit_other fails it
    assert r.returncode != 0, r.stdout + r.stderr


def test_bootstrap_rejects_unknown_arguments(tmp_path):
    r = bootstrap(tmp_path / "unused", "--tset")
    assert r.returncode == 2 and "usage" in r.stderr


def test_fuzz_fails_without_clang(tmp_path):
    # A PATH with bash and the few tools the script needs before its clang check, no clang++.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    r = subprocess.run([SCRIPTS / "fuzz", "--seconds", "1"], env={"PATH": str(bin_dir)},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "clang++ not found" in r.stderr


def run_pytest(tmp_path, name, body, *extra):
    f = tmp_path / name
    f.write_text("import pytest\n" + body)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "integration"), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([SYSTEM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "skip_status",
                           *extra, str(f)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_file_with_a_skip_exits_77_and_names_the_reason(tmp_path):
    r = run_pytest(tmp_path, "test_some.py",
                   "def test_ok(): pass\ndef test_later(): pytest.skip('no podman here')\n")
    assert r.returncode == SKIP_EXIT, r.stdout
    assert "paasrun-skip: test_some.py::test_later: no podman here" in r.stdout


def test_a_whole_module_skipped_exits_77(tmp_path):
    r = run_pytest(tmp_path, "test_mod.py",
                   "pytest.skip('no nginx', allow_module_level=True)\ndef test_x(): pass\n")
    assert r.returncode == SKIP_EXIT, r.stdout
    assert "paasrun-skip: test_mod.py: no nginx" in r.stdout


def test_a_failure_wins_over_a_skip(tmp_path):
    r = run_pytest(tmp_path, "test_fail.py",
                   "def test_bad(): assert False\ndef test_later(): pytest.skip('why')\n")
    assert r.returncode == 1, r.stdout


def test_a_file_without_skips_exits_0(tmp_path):
    r = run_pytest(tmp_path, "test_fine.py", "def test_ok(): pass\n")
    assert r.returncode == 0, r.stdout


def ctest_tree(tmp_path):
    """A CTest project registering two pytest files the way CMakeLists.txt registers
    tests/integration/: one passes, one skips one of its tests."""
    src = tmp_path / "proj"
    src.mkdir()
    (src / "test_pass.py").write_text("def test_ok(): pass\n")
    (src / "test_skip.py").write_text(
        "import pytest\ndef test_ok(): pass\ndef test_pod(): pytest.skip('podman is not installed')\n")
    lines = ["cmake_minimum_required(VERSION 3.25)", "project(t NONE)", "enable_testing()"]
    for n in ("test_pass", "test_skip"):
        lines += [f"add_test(NAME integration_{n} COMMAND {SYSTEM_PYTHON} -m pytest -q -p no:cacheprovider "
                  f"-p skip_status {src / (n + '.py')} WORKING_DIRECTORY {src})",
                  f"set_tests_properties(integration_{n} PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT "
                  f"\"PYTHONPATH={ROOT / 'tests' / 'integration'};PYTHONDONTWRITEBYTECODE=1\")"]
    (src / "CMakeLists.txt").write_text("\n".join(lines) + "\n")
    build = tmp_path / "b"
    subprocess.run(["cmake", "-S", src, "-B", build], check=True, capture_output=True)
    return build


def test_ctest_reports_a_skipping_file_as_skipped_and_totals_say_why(tmp_path):
    build = ctest_tree(tmp_path)
    junit = tmp_path / "ctest.xml"
    r = subprocess.run(["ctest", "--test-dir", build, "--output-junit", junit], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout  # a skip is not a failure
    assert re.search(r"integration_test_skip \.+\s*\*\*\*Skipped", r.stdout), r.stdout
    assert re.search(r"integration_test_pass \.+\s*Passed", r.stdout), r.stdout
    assert "The following tests did not run" in r.stdout
    t = subprocess.run([SCRIPTS / "test-totals", f"ctest={junit}"], capture_output=True, text=True)
    assert t.returncode == 0, t.stdout
    assert "1 passed" in t.stdout and "0 failed" in t.stdout and "1 skipped" in t.stdout, t.stdout
    assert "ctest: integration_test_skip: test_skip.py::test_pod: podman is not installed" in t.stdout, t.stdout


def test_totals_fail_on_a_failure_or_a_missing_stage(tmp_path):
    junit = tmp_path / "fuzz.xml"
    junit.write_text('<testsuite name="fuzz"><testcase classname="fuzz" name="fuzz_a"/>'
                     '<testcase classname="fuzz" name="fuzz_b"><failure message="crash"/></testcase></testsuite>')
    t = subprocess.run([SCRIPTS / "test-totals", f"fuzz={junit}", f"asan={tmp_path / 'missing.xml'}"],
                       capture_output=True, text=True)
    assert t.returncode == 1
    assert "fuzz: fuzz::fuzz_b" in t.stdout
    assert "asan: no results" in t.stdout
