# .profile.d/python.sh: sourced by bash before every process of the release (Heroku's dyno
# start-up). Absolute paths are right here: the slug is built at its final path.
# No WEB_CONCURRENCY here: exported before every process it would outrank web.workers in
# paasrun.yaml and bypass paasrun serve's CPU/memory-aware default (docs/serve.md).
write_profile() {
  local dir=$1
  mkdir -p "$dir/.profile.d"
  # A python.sh symlink from the source would be written through: replace it, never follow it.
  rm -f "$dir/.profile.d/python.sh"
  cat > "$dir/.profile.d/python.sh" <<SH
# Written by the paasrun Python buildpack.
export VIRTUAL_ENV="$VENV"
export PATH="\$VIRTUAL_ENV/bin:\$PATH"
export PYTHONUNBUFFERED=1
export PYTHONDONTWRITEBYTECODE=\${PYTHONDONTWRITEBYTECODE:-1}
export LANG=\${LANG:-C.UTF-8}
SH
}
