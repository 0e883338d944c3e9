"""The container image (Dockerfile, docs/container.md).

test_container_image runs scripts/container-test: podman builds the image (layers cached
between runs), then its filesystem runs in its own PID namespace and the script checks PID 1,
the app on $PORT, zombie reaping, the HEALTHCHECK and the SIGTERM drain. scripts/test makes
sure it can run: scripts/container-base-image installs podman and debootstrap and makes the
local base image before CTest starts. Run on its own (ctest, pytest) on a machine without
them, or with PAASRUN_CONTAINER_TEST=0, it is skipped with the reason, and CTest reports the
file as Skipped (tests/integration/skip_status.py), never as Passed.

The other tests check the Dockerfile against the rest of the repo and need no podman.
"""
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_arg(name):
    text = DOCKERFILE.read_text()
    m = re.search(rf'^ARG {name}="([^"]*)"', text, re.M | re.S)
    assert m, f"ARG {name} not found in the Dockerfile"
    return m.group(1).replace("\\\n", " ").split()


def bootstrap_build_packages():
    """build_packages plus npm_packages (node + npm: the image's `npm ci`; a machine without
    them builds with cmake/fetch_npm_lock.py instead)."""
    text = (ROOT / "scripts" / "bootstrap").read_text()
    m = re.search(r"^build_packages=\((.*?)^\)", text, re.M | re.S)
    assert m, "no build_packages=( ... ) list in scripts/bootstrap"
    n = re.search(r"^npm_packages=\((.*?)\)", text, re.M)
    assert n, "no npm_packages=( ... ) list in scripts/bootstrap"
    return set(m.group(1).split()) | set(n.group(1).split())


def test_build_stage_uses_bootstrap_packages():
    # The image compiles with the same Debian packages as a developer machine's
    # `scripts/bootstrap` (without --test: the image needs no test tools).
    missing = set(dockerfile_arg("BUILD_PACKAGES")) - bootstrap_build_packages()
    assert not missing, f"Dockerfile BUILD_PACKAGES not in scripts/bootstrap's build_packages: {sorted(missing)}"


def test_dockerfile_contract():
    text = DOCKERFILE.read_text()
    assert 'ENTRYPOINT ["paasrun", "start"]' in text
    assert re.search(r"^STOPSIGNAL SIGTERM$", text, re.M)
    assert re.search(r"^EXPOSE 5000$", text, re.M)
    assert re.search(r"^USER paasrun$", text, re.M)
    hc = re.search(r"^HEALTHCHECK .*?CMD (.*)$", text, re.M | re.S)
    assert hc and "paasrun healthcheck" in hc.group(1) and "/readyz" in hc.group(1)
    # Repeated per final stage (buildah drops it across stages): the copies must not drift.
    checks = re.findall(r"^HEALTHCHECK (.*?\n.*?)$", text, re.M)
    assert len(checks) == 3 and len(set(checks)) == 1, checks
    assert "ONBUILD COPY" in text and "ONBUILD RUN paasrun build" in text


def test_exported_pods_match_the_image(paasrun, tmp_path):
    # `paasrun export kubernetes` must agree with the image: the uid runAsNonRoot needs, the
    # ADMIN_PORT its probes target, the PORT the app listens on.
    text = DOCKERFILE.read_text()
    uid = re.search(r"useradd .*--uid (\d+)", text).group(1)
    env = dict(re.findall(r"^\s*(?:ENV )?(PORT|ADMIN_PORT)=(\d+)", text, re.M))
    out = subprocess.run([paasrun, "export", "kubernetes", str(ROOT / "examples" / "guestbook")],
                         check=True, capture_output=True, text=True).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    web = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-web"))
    c = web["spec"]["template"]["spec"]["containers"][0]
    assert c["securityContext"]["runAsUser"] == int(uid)
    pod_env = {e["name"]: e["value"] for e in c["env"]}
    assert pod_env["ADMIN_PORT"] == env["ADMIN_PORT"]
    assert pod_env["PORT"] == env["PORT"]


# In debian:bookworm-slim already, or pulled in by python3.
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libexpat1"}


def test_runtime_stage_has_every_shared_library_paasrun_links(paasrun):
    # A library missing from RUNTIME_PACKAGES makes `paasrun build` fail inside the image with
    # "cannot open shared object file" (it happened with cpp-httplib): check against ldd.
    libs = [line.split("=>")[1].split()[0] for line in
            subprocess.run(["ldd", paasrun], check=True, capture_output=True, text=True).stdout.splitlines()
            if "=>" in line and "/" in line.split("=>")[1]]
    needed = set()
    for lib in libs:
        real = os.path.realpath(lib)
        r = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
        if r.returncode != 0:
            r = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
        assert r.returncode == 0, f"no Debian package owns {lib}"
        needed.add(r.stdout.split(":")[0])
    missing = needed - set(dockerfile_arg("RUNTIME_PACKAGES")) - BASE_IMAGE_PACKAGES
    assert not missing, f"Dockerfile RUNTIME_PACKAGES lacks {sorted(missing)} (ldd {paasrun})"


def skip_reason():
    if os.environ.get("PAASRUN_CONTAINER_TEST") == "0":
        return "PAASRUN_CONTAINER_TEST=0"
    if os.geteuid() != 0:
        return "needs root (unshare --pid, chroot)"
    if not shutil.which("podman"):
        return "podman is not installed (scripts/container-base-image installs it; scripts/test runs that)"
    r = subprocess.run(["podman", "image", "exists", "docker.io/library/debian:bookworm-slim"])
    if r.returncode != 0:
        return ("no local debian:bookworm-slim base image: run scripts/container-base-image once "
                "(scripts/test does)")
    return None


def test_container_image():
    why = skip_reason()
    if why:
        print(f"skipping the container image test: {why}")
        pytest.skip(why)
    # Below CTest's TIMEOUT for this file (CMakeLists.txt), so a hang fails here, with output.
    r = subprocess.run([str(ROOT / "scripts" / "container-test")], capture_output=True, text=True,
                       timeout=1400)
    print(r.stdout[-6000:])
    print(r.stderr[-6000:])
    assert r.returncode == 0, "scripts/container-test failed (output above)"
