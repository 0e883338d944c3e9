# Chooses the interpreter. paasrun embeds libpython3.11 (Debian's), so the venv must use
# the matching /usr/bin/python3: a venv on another minor version would not import in the
# web workers. runtime.txt (python-3.11.2) or .python-version (3.11) may ask for a version;
# another minor version fails the build naming the available one; another patch level only
# warns (3.11.x share the ABI).
PYTHON_BIN=${PAASRUN_BUILD_PYTHON:-/usr/bin/python3}

# requested_python_version BUILD_DIR: prints the requested version (or nothing) and the
# file it came from, as "VERSION FILE".
requested_python_version() {
  local dir=$1 f v
  for f in runtime.txt .python-version; do
    [ -f "$dir/$f" ] || continue
    v=$(grep -v '^[[:space:]]*#' "$dir/$f" | grep -m1 -v '^[[:space:]]*$' | tr -d '[:space:]' || true)
    v=${v#python-}
    v=${v#python}
    [ -n "$v" ] && { echo "$v $f"; return 0; }
  done
  return 0
}

# select_python BUILD_DIR: sets PYTHON_BIN and PYTHON_VERSION or stops the build.
select_python() {
  local dir=$1 req file available
  [ -x "$PYTHON_BIN" ] || puts_fail "no Python interpreter at $PYTHON_BIN (install Debian's python3 and python3-venv)"
  available=$("$PYTHON_BIN" -c 'import platform; print(platform.python_version())')
  PYTHON_VERSION=$available
  read -r req file < <(requested_python_version "$dir") || true
  if [ -z "${req:-}" ]; then
    puts_step "Using Python $available ($PYTHON_BIN; no runtime.txt or .python-version)"
    return 0
  fi
  if ! [[ $req =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]]; then
    puts_fail "$file asks for \"$req\", which is not a Python version (write e.g. python-3.11 or 3.11)" \
      "Available: Python $available ($PYTHON_BIN)"
  fi
  local req_minor=${req%.*} avail_minor=${available%.*}
  [[ $req =~ ^[0-9]+\.[0-9]+$ ]] && req_minor=$req
  if [ "$req_minor" != "$avail_minor" ]; then
    puts_fail "$file asks for Python $req, which is not available." \
      "Available: Python $available ($PYTHON_BIN), the version whose libpython paasrun embeds." \
      "Change $file to python-$avail_minor (or remove it)."
  fi
  if [ "$req" != "$req_minor" ] && [ "$req" != "$available" ]; then
    puts_warn "$file asks for Python $req; using $available (same minor version, same ABI)"
  fi
  puts_step "Using Python $available ($PYTHON_BIN, requested by $file)"
}
