# .profile.d/python.sh: sourced by bash before every process of the release (Heroku's dyno
# start-up). Absolute paths are right here: the slug is built at its final path.
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
# Gunicorn's rule of thumb (2 x CPUs + 1) unless set by config vars or the environment.
export WEB_CONCURRENCY=\${WEB_CONCURRENCY:-\$(( \$(nproc 2>/dev/null || echo 1) * 2 + 1 ))}
SH
}
