"""The command line as heroku/foreman users expect it: help, version, did-you-mean, the colon
commands in the top-level help, and the generated man page and shell completions
(docs/cli.md)."""
import os
import platform
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

COLON_COMMANDS = ["config:get", "config:set", "config:unset", "ps:scale", "ps:restart", "releases:info"]


def run(paasrun, *args, cwd=None, env=None, timeout=30):
    return subprocess.run([paasrun, *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env)


def test_version_names_program_commit_and_python(paasrun):
    for args in (["--version"], ["version"]):
        out = run(paasrun, *args)
        assert out.returncode == 0, out.stderr
        line = out.stdout.strip()
        m = re.fullmatch(r"paasrun/(\d+\.\d+\.\d+) commit (\S+) linux-\S+ python-(\d+\.\d+\.\d+)", line)
        assert m, line
        # The commit baked in at build time is the checkout's (the build runs git rev-parse).
        # A binary built before the latest commits names an older commit: it must be a commit
        # of this checkout's history (HEAD itself on a fresh build, as in CI).
        if shutil.which("git") and (ROOT / ".git").exists():
            commit = m.group(2).removesuffix("-dirty")
            assert re.fullmatch(r"[0-9a-f]{12}", commit), line
            known = subprocess.run(["git", "-C", str(ROOT), "merge-base", "--is-ancestor", commit, "HEAD"],
                                   capture_output=True, text=True)
            assert known.returncode == 0, (line, known.stderr)
        # The Python paasrun embeds: Debian's libpython, the same version as /usr/bin/python3.
        assert m.group(3) == platform.python_version(), line


def test_help_lists_every_command_and_the_colon_commands(paasrun):
    for args in (["help"], ["--help"]):
        out = run(paasrun, *args)
        assert out.returncode == 0, out.stderr
        listed = {l.split()[0] for l in out.stdout.splitlines() if l.startswith("  ") and l.split()}
        for name in ["up", "start", "run", "build", "releases", "rollback", "config", "ps", "restart", "logs",
                     "deploy", "export", "check", "help", "version", *COLON_COMMANDS]:
            assert name in listed, (name, out.stdout)
        assert "__worker" not in out.stdout and "__manpage" not in out.stdout


def test_help_of_one_command(paasrun):
    out = run(paasrun, "help", "config:set")
    assert out.returncode == 0, out.stderr
    assert "Usage: paasrun config:set" in out.stdout
    assert "-a,--app" in out.stdout and "KEY=VALUE" in out.stdout
    # The words work too, and --help after the command says the same.
    assert run(paasrun, "help", "config", "set").stdout == out.stdout
    assert "Usage: paasrun config:set" in run(paasrun, "config:set", "--help").stdout
    out = run(paasrun, "help", "logs")
    assert "--ps" in out.stdout and "--source" in out.stdout and "--tail" in out.stdout


@pytest.mark.parametrize("typo,suggestion", [("confg", "config"), ("config:st", "config:set"),
                                             ("biuld", "build"), ("relases:info", "releases:info"),
                                             ("log", "logs")])
def test_unknown_command_suggests_the_nearest(paasrun, typo, suggestion):
    out = run(paasrun, typo)
    assert out.returncode == 2
    assert f"'{typo}' is not a paasrun command. Did you mean {suggestion}?" in out.stderr, out.stderr
    out = run(paasrun, "help", typo)
    assert out.returncode == 2 and f"Did you mean {suggestion}?" in out.stderr, out.stderr


def test_unknown_command_far_from_any(paasrun):
    out = run(paasrun, "no-such-command")
    assert out.returncode == 2
    assert "'no-such-command' is not a paasrun command." in out.stderr
    assert "Did you mean" not in out.stderr


def man_page(tmp_path, paasrun):
    page = tmp_path / "paasrun.1"
    r = run(paasrun, "__manpage", "-o", page)
    assert r.returncode == 0, r.stderr
    return page


def test_man_page_renders_without_warnings(paasrun, tmp_path):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (Debian package groff-base)")
    page = man_page(tmp_path, paasrun)
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = subprocess.run(["groff", "-man", "-Tutf8", str(page)], capture_output=True, text=True,
                          env={**os.environ, "GROFF_NO_SGR": "1"}).stdout
    text = re.sub(r".\x08", "", text)  # overstrike bold/underline
    for name in COLON_COMMANDS + ["paasrun logs [OPTIONS]"]:
        assert name in text, name
    assert "--app" in text.replace("\u2010", "-").replace("\u2212", "-")
    if shutil.which("man"):
        r = subprocess.run(["man", "-l", str(page)], capture_output=True, text=True,
                           env={**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"})
        assert r.returncode == 0 and "config:set" in re.sub(r".\x08", "", r.stdout), r.stderr


def bash_complete(script, line):
    """What bash completes for the command line `line` (cursor at its end)."""
    words = line.split(" ")
    prog = f"""
source {script}
COMP_LINE={shlex_quote(line)}
COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({' '.join(shlex_quote(w) for w in words)})
COMP_CWORD={len(words) - 1}
_paasrun
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "-c", prog], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l]


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def test_bash_completion(paasrun, tmp_path):
    script = tmp_path / "paasrun.bash"
    assert run(paasrun, "__completion", "bash", "-o", script).returncode == 0
    r = subprocess.run(["bash", "-c", f"source {script}; complete -p paasrun"], capture_output=True, text=True)
    assert r.returncode == 0 and "-F _paasrun" in r.stdout, r.stdout + r.stderr
    assert set(bash_complete(script, "paasrun con")) == {"config", "config:get", "config:set", "config:unset"}
    assert "releases:info" in bash_complete(script, "paasrun rel")
    assert bash_complete(script, "paasrun logs --s") == ["--source"]
    assert "--app" in bash_complete(script, "paasrun config:set --")
    assert "config:set" in bash_complete(script, "paasrun help con")
    # bash splits words at ':' (COMP_WORDBREAKS): only the part after it is replaced.
    assert bash_complete(script, "paasrun config:s") == ["set"]
    assert bash_complete(script, "paasrun build ") == []  # file names: readline's default


def test_zsh_completion(paasrun, tmp_path):
    fn = tmp_path / "_paasrun"
    assert run(paasrun, "__completion", "zsh", "-o", fn).returncode == 0
    text = fn.read_text()
    assert text.startswith("#compdef paasrun\n")
    assert "'config\\:set:" in text and "'--source[" in text
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed: only the script's content was checked")
    r = subprocess.run(["zsh", "-n", str(fn)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # Load it the way compinit does and check the commands it offers.
    prog = f"""
fpath=({tmp_path} $fpath)
autoload -Uz compinit && compinit -u -d {tmp_path}/zcompdump
autoload -Uz _paasrun
print -r -- ${{_comps[paasrun]}}
"""
    r = subprocess.run(["zsh", "-f", "-c", prog], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "_paasrun", r.stdout + r.stderr


def build_dir_of(paasrun):
    build = pathlib.Path(paasrun).resolve().parent
    if not (build / "cmake_install.cmake").exists():
        pytest.skip(f"{paasrun} is not in a CMake build tree: nothing to install")
    return build


def test_cmake_install_layout(paasrun, tmp_path):
    if not shutil.which("cmake"):
        pytest.skip("cmake is not installed")
    build = build_dir_of(paasrun)
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", str(build), "--prefix", str(prefix)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for exe in ("paasrun", "paasrun-arbiter", "paasrun-worker"):
        assert os.access(prefix / "bin" / exe, os.X_OK), exe
    assert (prefix / "share/paasrun/buildpacks/python/bin/compile").stat().st_mode & 0o111
    page = prefix / "share/man/man1/paasrun.1"
    bash = prefix / "share/bash-completion/completions/paasrun"
    zsh = prefix / "share/zsh/site-functions/_paasrun"
    for f in (page, bash, zsh):
        assert f.exists(), f

    installed = str(prefix / "bin" / "paasrun")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
    assert run(installed, "version", env=env).stdout.startswith("paasrun/")
    assert "config:set" in run(installed, "help", env=env).stdout
    # The installed man page is the one this binary generates.
    assert page.read_text() == run(installed, "__manpage", env=env).stdout
    r = subprocess.run(["bash", "-c", f"source {bash}; complete -p paasrun"], capture_output=True, text=True)
    assert "-F _paasrun" in r.stdout, r.stderr
    if shutil.which("groff"):
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)], capture_output=True, text=True)
        assert r.returncode == 0 and r.stderr == "", r.stderr

    # The installed binary finds the installed buildpacks (share/paasrun/buildpacks): a build
    # of a Python app with no dependencies uses them.
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("")
    (app / "app.py").write_text("def application(environ, start_response):\n    return []\n")
    (app / "Procfile").write_text("web: paasrun serve app:application\n")
    env.update(PIP_NO_INDEX="1", PIP_RETRIES="0")
    r = run(installed, "build", app, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Python app detected" in r.stdout or "Python" in r.stdout, r.stdout
    assert "Released v1" in r.stdout
    slug = json_load(app / ".paasrun/slugs" / release_slug(app) / "slug.json")
    assert slug["buildpacks"][0]["source"] == "bundled:python"
    assert pathlib.Path(prefix / "share/paasrun/buildpacks/python").is_dir()


def json_load(p):
    import json
    return json.loads(pathlib.Path(p).read_text())


def release_slug(app):
    return json_load(app / ".paasrun/releases/v1/release.json")["slug"]
