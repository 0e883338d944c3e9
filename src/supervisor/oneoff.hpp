// `paasrun run`: a one-off command in the app's environment, like `heroku run`.
//
// The command runs in `app_dir` (the current release's slug, or the source dir when there is
// no release) after its .profile.d scripts, with `env` (config/app_env.hpp) and DYNO=`dyno`
// (run.<pid> by default, as Heroku's run.N). One argument is a shell command line
// (`paasrun run -- 'echo $PORT'`); several are exec'd as given (`paasrun run -- python x.py`).
//
// It stays in paasrun's process group, with stdio inherited, so it can be interactive:
// keys typed on the terminal (Ctrl-C, Ctrl-\) reach it directly. paasrun waits for it and
// forwards SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2, and SIGINT/SIGQUIT when another process
// (not the terminal, which already signalled the whole group) sent them.
//
// Exit code: the command's own; 128+S if signal S killed it; 127 when it is not found and
// 126 when it cannot be executed (from the shell, or from paasrun if /bin/sh itself fails).
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace paasrun::supervisor {

[[nodiscard]] int run_oneoff(const std::string& app_dir, config::EnvMap env,
                             const std::vector<std::string>& args, const std::string& dyno);

}  // namespace paasrun::supervisor
