# Heroku's build hooks: an app's bin/pre_compile runs before the virtualenv is made and the
# dependencies installed, bin/post_compile after them (and after collectstatic), both from the
# build dir with the app's config vars exported (ENV_DIR, as Heroku's sub_env does, leaving
# out variables that would change how the build itself runs). Their output goes to the build
# log, indented; a non-zero exit fails the build.
run_hook() {
  local name=$1 dir=$2 env_dir=$3
  local hook="$dir/bin/$name"
  [ -f "$hook" ] || return 0
  chmod +x "$hook" 2>/dev/null || true
  puts_step "Running $name hook (bin/$name)"
  local status
  set +e
  (
    cd "$dir" || exit 1
    if [ -n "$env_dir" ] && [ -d "$env_dir" ]; then
      for f in "$env_dir"/*; do
        [ -f "$f" ] || continue
        var=${f##*/}
        case "$var" in
          PATH|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|LD_LIBRARY_PATH|PYTHONHOME|PYTHONPATH) continue ;;
        esac
        [[ $var =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
        export "$var=$(cat "$f")"
      done
    fi
    if [ "$name" = post_compile ] && [ -x "$VENV/bin/python" ]; then
      export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"
    fi
    "$hook" 2>&1 | sed -u 's/^/       /'
    exit "${PIPESTATUS[0]}"
  )
  status=$?
  set -e
  if [ "$status" -ne 0 ]; then
    puts_fail "bin/$name failed with status $status (output above)"
  fi
}
