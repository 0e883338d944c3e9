// The endpoint a request path counts under in the per-endpoint table
// (serve/endpoint_stats.hpp): the path with the segments that look like ids replaced by
// `:id`, so `/users/1` and `/users/2` are one row, `/users/:id`. Pure and allocation-free
// (it writes into the caller's buffer): it runs once per request on the worker's loop.
//
// A segment is an id when it is
//   - all decimal digits (`42`),
//   - a UUID (8-4-4-4-12 hex digits, either case),
//   - hex digits only, kLongHex or more of them (hashes, ObjectIds: `5f2b9c0e1a2d3e4f`),
//   - letters and digits only, kLongToken or more, with at least one digit and one letter
//     (opaque tokens such as `Ab3xY9kQ2mN7pR4s`).
// Anything else (words, slugs with dashes, file names) is kept as it is. The query string is
// not part of the path given here. docs/dashboard.md lists the same rules.
#pragma once

#include <cstddef>
#include <string_view>

namespace paasrun::worker {

inline constexpr std::string_view kIdSegment = ":id";
inline constexpr std::size_t kLongHex = 16;
inline constexpr std::size_t kLongToken = 20;

/// True when `segment` (no slashes) looks like an id by the rules above.
[[nodiscard]] bool looks_like_id(std::string_view segment) noexcept;

/// Writes the route key of `path` into `out` (capacity `cap`, NUL not written) and returns
/// its length; 0 when it does not fit (the caller then counts the request under `other`).
[[nodiscard]] std::size_t route_key(std::string_view path, char* out, std::size_t cap) noexcept;

}  // namespace paasrun::worker
