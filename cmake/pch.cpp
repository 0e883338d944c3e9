// The host of the precompiled header cmake/pch.hpp (CMakeLists.txt: paasrun_pch): a target
// needs one source file; this one is empty.
