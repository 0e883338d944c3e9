#!/usr/bin/python3
"""`npm ci` for a lockfile of plain tarball packages, without node or npm.

    fetch_npm_lock.py LOCKFILE OUTDIR

Installs every package of LOCKFILE (package-lock.json, lockfileVersion 2 or 3) into
OUTDIR/node_modules/NAME: downloads the tarball (the entry's "resolved" URL, else the
registry's standard URL: $npm_config_registry, default https://registry.npmjs.org/), checks
it against the entry's "integrity" (Subresource Integrity, sha512), and unpacks its
"package/" directory. No install scripts are run (as `npm ci --ignore-scripts`).

CMakeLists.txt uses it for the dashboard's uPlot when npm is not installed: README's first
command then needs neither nodejs nor npm (Debian's npm pulls in some 350 packages). The
test build and the container image keep `npm ci`; both read the same lockfile, and the
integrity check makes them install byte-identical packages.

Downloaded tarballs are kept in $PAASRUN_DOWNLOAD_CACHE (default ~/.cache/paasrun/npm),
named by their hash, so a rebuild needs no network. Exit 1 with a message on any error.
"""
import base64
import hashlib
import io
import json
import os
import pathlib
import shutil
import sys
import tarfile
import urllib.request


def fail(msg):
    print(f"fetch_npm_lock: {msg}", file=sys.stderr)
    sys.exit(1)


def tarball_url(name, entry):
    if entry.get("resolved"):
        return entry["resolved"]
    registry = os.environ.get("npm_config_registry", "https://registry.npmjs.org/").rstrip("/")
    base = name.rsplit("/", 1)[-1]
    return f"{registry}/{name}/-/{base}-{entry['version']}.tgz"


def expected_sha512(name, entry):
    for item in entry.get("integrity", "").split():
        algo, _, digest = item.partition("-")
        if algo == "sha512":
            return base64.b64decode(digest)
    fail(f"{name}: no sha512 integrity in the lockfile")


def fetch(name, entry, cache):
    want = expected_sha512(name, entry)
    cached = cache / f"{want.hex()}.tgz"
    if cached.is_file():
        data = cached.read_bytes()
        if hashlib.sha512(data).digest() == want:
            return data
    url = tarball_url(name, entry)
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            data = r.read()
    except OSError as e:
        fail(f"{name}: cannot download {url}: {e}")
    if hashlib.sha512(data).digest() != want:
        fail(f"{name}: {url} does not match the lockfile's integrity hash")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    except OSError:
        pass  # the cache is an optimisation
    return data


def unpack(data, dest):
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            parts = pathlib.PurePosixPath(m.name).parts
            # npm tarballs hold one top directory (usually "package/"); refuse anything that
            # could leave dest.
            if len(parts) < 2 or ".." in parts or m.issym() or m.islnk():
                continue
            target = dest.joinpath(*parts[1:])
            if m.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif m.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(m).read())


def main():
    if len(sys.argv) != 3:
        fail("usage: fetch_npm_lock.py LOCKFILE OUTDIR")
    lock = json.loads(pathlib.Path(sys.argv[1]).read_text())
    if lock.get("lockfileVersion") not in (2, 3):
        fail("only lockfileVersion 2 and 3 are supported")
    out = pathlib.Path(sys.argv[2])
    cache = pathlib.Path(os.environ.get("PAASRUN_DOWNLOAD_CACHE")
                         or pathlib.Path.home() / ".cache" / "paasrun" / "npm")
    for key, entry in lock.get("packages", {}).items():
        if not key.startswith("node_modules/"):
            continue
        name = key[len("node_modules/"):]
        if "/node_modules/" in name or entry.get("link"):
            fail(f"{key}: nested or linked packages are not supported")
        unpack(fetch(name, entry, cache), out / "node_modules" / name)


if __name__ == "__main__":
    main()
