#include "app/commands.hpp"

namespace paasrun::app {

void register_build(CLI::App& /*app*/, Commands& /*cmds*/) {}

}  // namespace paasrun::app
