# What pip installs, and the fingerprint that decides whether the cached venv can be reused.
#
# Support levels (docs/build.md):
#   requirements.txt  full: `pip install -r requirements.txt` (any pip syntax: -r, -c, markers,
#                     hashes, local paths, VCS URLs if the network allows)
#   Pipfile.lock      the "default" section, converted to pinned requirements (name==version
#                     with markers; path/file/git entries as pip URLs). "develop" is ignored,
#                     hashes are not enforced. Pipfile without a lock fails (as on Heroku).
#   pyproject.toml /  without requirements.txt: the app itself is installed editable
#   setup.py          (`pip install -e .`), which installs the dependencies it declares.
#                     Its build backend must be installable offline (setuptools is found in
#                     /usr/share/python-wheels; others need a wheelhouse or an index).

# dependency_mode BUILD_DIR: requirements | pipfile | project
dependency_mode() {
  local dir=$1
  if [ -f "$dir/requirements.txt" ]; then echo requirements
  elif [ -f "$dir/Pipfile.lock" ]; then echo pipfile
  elif [ -f "$dir/Pipfile" ]; then
    puts_fail "Pipfile found without Pipfile.lock: run \`pipenv lock\` and commit Pipfile.lock"
  elif [ -f "$dir/pyproject.toml" ] || [ -f "$dir/setup.py" ]; then echo project
  else echo none
  fi
}

# pipfile_lock_to_requirements LOCK OUT
pipfile_lock_to_requirements() {
  "$PYTHON_BIN" - "$1" "$2" <<'PY'
import json, sys
lock = json.load(open(sys.argv[1]))
lines = []
for name, spec in sorted(lock.get("default", {}).items()):
    if isinstance(spec, str):
        spec = {"version": spec}
    marker = f" ; {spec['markers']}" if spec.get("markers") else ""
    extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
    if "git" in spec:
        ref = f"@{spec['ref']}" if spec.get("ref") else ""
        lines.append(f"{'-e ' if spec.get('editable') else ''}git+{spec['git']}{ref}#egg={name}")
    elif "path" in spec:
        lines.append(f"{'-e ' if spec.get('editable') else ''}{spec['path']}{marker}")
    elif "file" in spec:
        lines.append(f"{spec['file']}{marker}")
    else:
        version = spec.get("version", "")
        if version in ("", "*"):
            version = ""
        lines.append(f"{name}{extras}{version}{marker}")
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
PY
}

# dependency_fingerprint BUILD_DIR: sha256 of everything that decides the venv's contents.
dependency_fingerprint() {
  local dir=$1 f
  {
    echo "buildpack $(cat "$BP_DIR/VERSION")"
    echo "python $PYTHON_BIN $PYTHON_VERSION"
    echo "system_site_packages $SYSTEM_SITE_PACKAGES"
    echo "index ${PIP_INDEX_URL:-} extra ${PIP_EXTRA_INDEX_URL:-} links ${PIP_FIND_LINKS:-}"
    for f in requirements.txt requirements/*.txt constraints.txt Pipfile.lock pyproject.toml setup.py setup.cfg; do
      [ -f "$dir/$f" ] && { echo "file $f"; sha256sum < "$dir/$f"; }
    done
    if [ -d "$dir/vendor/wheels" ]; then
      echo "wheels"
      (cd "$dir/vendor/wheels" && find . -type f -printf '%P %s\n' | LC_ALL=C sort)
    fi
  } | sha256sum | cut -d' ' -f1
}
