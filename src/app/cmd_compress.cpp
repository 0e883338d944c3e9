#include "app/commands.hpp"

namespace paasrun::app {

void register_compress(CLI::App& /*app*/, Commands& /*cmds*/) {}

}  // namespace paasrun::app
