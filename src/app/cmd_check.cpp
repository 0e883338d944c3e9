#include "app/commands.hpp"

namespace paasrun::app {

void register_check(CLI::App& /*app*/, Commands& /*cmds*/) {}

}  // namespace paasrun::app
