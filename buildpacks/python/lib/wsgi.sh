# find_wsgi_target DIR: prints "module:callable" for the app's WSGI entry point, or fails.
# Looks at DIR/wsgi.py, then DIR/*/wsgi.py (a Django project package), first in name order.
# The callable is `application` (PEP 3333's conventional name, Django's) unless the file
# only defines `app` (Flask's convention).
find_wsgi_target() {
  local dir=$1 file module
  for file in "$dir/wsgi.py" "$dir"/*/wsgi.py; do
    [ -f "$file" ] || continue
    case "$file" in "$dir/.venv/"*|"$dir/.heroku/"*) continue ;; esac
    module=${file#"$dir/"}
    module=${module%.py}
    module=${module//\//.}
    if grep -Eq '^(application[[:space:]]*=|def application\b)' "$file"; then
      echo "${module}:application"
    elif grep -Eq '^(app[[:space:]]*=|def app\b)' "$file"; then
      echo "${module}:app"
    else
      echo "${module}:application"
    fi
    return 0
  done
  return 1
}
