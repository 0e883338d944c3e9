#include "app/commands.hpp"

namespace paasrun::app {

void register_serve(CLI::App& /*app*/, Commands& /*cmds*/) {}

}  // namespace paasrun::app
