# The cached virtualenv in CACHE_DIR/python/venv.
#
# A venv is not relocatable: bin/* scripts have `#!<venv>/bin/python` shebangs, bin/activate*
# and editable installs' .pth/finder files hold absolute paths. The cache is saved with the
# path it was built at (.paasrun-origin), and on reuse every text file that mentions that
# path is rewritten to the new one (binary files never contain it: the venv's python is a
# symlink to /usr/bin/python3). Saving is atomic: a new copy is renamed into place, so a
# build killed half-way never leaves a half-copied cache that looks valid.

CACHED_VENV="$CACHE_DIR/python/venv"

# restore_cached_venv FINGERPRINT DEST: 0 when the cache matched and was restored.
restore_cached_venv() {
  local fingerprint=$1 dest=$2 origin
  [ -f "$CACHED_VENV/.paasrun-fingerprint" ] || return 1
  [ "$(cat "$CACHED_VENV/.paasrun-fingerprint")" = "$fingerprint" ] || return 1
  origin=$(cat "$CACHED_VENV/.paasrun-origin")
  cp -a "$CACHED_VENV" "$dest"
  rm -f "$dest/.paasrun-fingerprint" "$dest/.paasrun-origin"
  relocate_venv "$dest" "$origin" "$dest"
}

# save_venv_to_cache FINGERPRINT VENV
save_venv_to_cache() {
  local fingerprint=$1 venv=$2 tmp="$CACHE_DIR/python/venv.tmp.$$" old="$CACHE_DIR/python/venv.old.$$"
  mkdir -p "$CACHE_DIR/python"
  rm -rf "$tmp"
  cp -a "$venv" "$tmp"
  echo "$venv" > "$tmp/.paasrun-origin"
  echo "$fingerprint" > "$tmp/.paasrun-fingerprint"
  if [ -d "$CACHED_VENV" ]; then mv "$CACHED_VENV" "$old"; fi
  mv "$tmp" "$CACHED_VENV"
  rm -rf "$old"
}

# relocate_venv VENV OLD_PREFIX NEW_PREFIX
relocate_venv() {
  local venv=$1 old=$2 new=$3
  [ "$old" = "$new" ] && return 0
  grep -rlIF --null -- "$old" "$venv" | "$PYTHON_BIN" -c '
import sys
old, new = sys.argv[1].encode(), sys.argv[2].encode()
for path in sys.stdin.buffer.read().split(b"\0"):
    if not path:
        continue
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data.replace(old, new))
' "$old" "$new"
}
