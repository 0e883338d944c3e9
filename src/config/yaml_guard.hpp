// A guard against a yaml-cpp 0.7 (Debian 12) hang: YAML::LoadAll loops forever, allocating,
// on a stream whose document starts with a stray flow entry (the one-byte file "," is enough;
// found by fuzz_config_manifest). The parser hands back an empty document without consuming
// the ',' token, so LoadAll asks for the next document, forever.
//
// find_stuck_document() walks the same documents with yaml-cpp's public event parser and a
// bound on the number of documents (a stream cannot hold more documents than bytes + 1), so
// callers can refuse such input with a position instead of hanging. Pure: text in, result out.
#pragma once

#include <optional>
#include <string_view>

namespace paasrun::config {

struct StuckAt {
    int line = 0;    // 1-based position of the first byte that is not whitespace or a comment
    int column = 0;  // (where the stray token sits)
};

/// nullopt when the stream can be loaded without the hang (including streams that yaml-cpp
/// rejects with an exception: the caller's LoadAll reports those itself).
[[nodiscard]] std::optional<StuckAt> find_stuck_document(std::string_view text);

}  // namespace paasrun::config
