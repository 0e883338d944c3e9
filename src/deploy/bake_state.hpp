// The bake window survives a crash: `<state>/bake.json` records which release is being
// watched and what to roll back to, so a `paasrun start` after a kill -9 inside the window
// watches that release again instead of keeping it current forever.
//
//   {"version":5,"previous":4}
//
// Written durably (durable_fs: temp + fsync + rename) BEFORE the release is activated, so any
// crash after the `current` swap finds it; removed when the window passes, when the
// automatic rollback made another release current, or when a new job ends the window. A
// record whose version is not the current release is stale (the activation never happened,
// or another release became current) and is removed at start.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::deploy {

struct BakeRecord {
    int version = 0;   // the release being watched
    int previous = 0;  // the release to roll back to (0: none)
};

/// `<state>/bake.json`.
[[nodiscard]] std::filesystem::path bake_record_path(const std::filesystem::path& state_dir);

/// JSON text of a record. Pure.
[[nodiscard]] std::string format_bake_record(const BakeRecord& r);
/// Parses a record; nullopt for anything malformed (a torn or foreign file is no record). Pure.
[[nodiscard]] std::optional<BakeRecord> parse_bake_record(std::string_view text);

/// Writes the record durably.
[[nodiscard]] Status write_bake_record(const std::filesystem::path& state_dir, const BakeRecord& r);
/// The record, or nullopt when there is none (or it is unreadable).
[[nodiscard]] std::optional<BakeRecord> read_bake_record(const std::filesystem::path& state_dir);
/// Removes the record durably (no record is not an error).
[[nodiscard]] Status clear_bake_record(const std::filesystem::path& state_dir);

}  // namespace paasrun::deploy
