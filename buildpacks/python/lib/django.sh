# Django's collectstatic, as Heroku runs it: only when manage.py exists, Django imports, and
# the collectstatic command is available (django.contrib.staticfiles installed);
# DISABLE_COLLECTSTATIC=1 skips it; a failure fails the build.
run_collectstatic() {
  local dir=$1
  [ -f "$dir/manage.py" ] || return 0
  if [ "${DISABLE_COLLECTSTATIC:-0}" != "0" ]; then
    puts_step "Skipping collectstatic (DISABLE_COLLECTSTATIC is set)"
    return 0
  fi
  (cd "$dir" && "$VENV/bin/python" -c 'import django' 2>/dev/null) || return 0
  if ! (cd "$dir" && "$VENV/bin/python" manage.py help collectstatic >/dev/null 2>&1); then
    puts_info "manage.py has no collectstatic command (django.contrib.staticfiles not installed): skipped"
    return 0
  fi
  puts_step "\$ python manage.py collectstatic --noinput"
  if ! (cd "$dir" && "$VENV/bin/python" manage.py collectstatic --noinput 2>&1 | sed -u 's/^/       /'; exit "${PIPESTATUS[0]}"); then
    puts_fail "Error while running 'python manage.py collectstatic --noinput' (traceback above)." \
      "Fix the app (STATIC_ROOT must be set), or skip it: paasrun config:set DISABLE_COLLECTSTATIC=1"
  fi
}
