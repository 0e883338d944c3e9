"""The binary starts and answers --version/--help."""
import subprocess


def test_version(paasrun):
    out = subprocess.run([paasrun, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert out.stdout.strip()


def test_unknown_command_fails(paasrun):
    out = subprocess.run([paasrun, "no-such-command"], capture_output=True, text=True, timeout=10)
    assert out.returncode != 0
