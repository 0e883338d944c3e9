# Heroku-style build output: "-----> step", indented detail, "!" for problems.
puts_step() { echo "-----> $*"; }
puts_info() { echo "       $*"; }
puts_warn() { echo " !     $*"; }
# puts_fail MESSAGE...: explain and stop the build.
puts_fail() {
  local line
  for line in "$@"; do echo " !     $line"; done
  exit 1
}
