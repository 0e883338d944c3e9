#include "app/commands.hpp"

namespace paasrun::app {

void register_supervisor(CLI::App& /*app*/, Commands& /*cmds*/) {}

}  // namespace paasrun::app
