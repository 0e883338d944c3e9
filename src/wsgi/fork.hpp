// Forking a process that runs the embedded interpreter without exec (--preload's zygote,
// worker/zygote_main.hpp), the way os.fork() does it, plus the gc settings that keep the
// imported app's pages shared between the zygote and the workers forked from it.
//
// Python's documented recipe (gc.freeze): disable the collector early in the parent so
// collections do not punch freed holes into pages that will be shared, freeze right before
// forking so the forked children's collections never write to the reference-count headers
// of the frozen objects (that write is what un-shares a copy-on-write page), and enable the
// collector again early in each child.
#pragma once

#include "util/result.hpp"

namespace paasrun::wsgi {

/// gc.disable(). GIL held.
[[nodiscard]] Status gc_disable();
/// gc.freeze(): every object tracked now goes to the permanent generation. GIL held.
[[nodiscard]] Status gc_freeze();
/// gc.enable(). GIL held.
[[nodiscard]] Status gc_enable();

/// Imports `module` so a forked child finds it loaded (and shares its pages). An error
/// (the module is not installed) is returned and the exception cleared. GIL held.
[[nodiscard]] Status preimport(const char* module);

/// PyOS_BeforeFork(): takes the interpreter's fork locks. GIL held, right before fork().
void before_fork() noexcept;
/// PyOS_AfterFork_Parent(): in the parent after fork(). GIL held.
void after_fork_parent() noexcept;
/// PyOS_AfterFork_Child(): in the child after fork(), before any other Python call: resets
/// the GIL, the import lock and the threading module (other threads do not exist in the
/// child). GIL held (the forking thread held it).
void after_fork_child() noexcept;

}  // namespace paasrun::wsgi
