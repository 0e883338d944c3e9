// Validators and conditional requests for static files (RFC 9110 8.8, 13).
//
// ETag: "<mtime seconds, hex>-<size, hex>" of the file that is sent (the identity file or its
// .gz/.br sibling), the same shape nginx uses. It is identical on every instance that serves
// the same slug (no inode: a load balancer may spread a client over instances) and changes
// with any edit that changes the size or the second of the mtime. Known limit, shared with
// nginx and whitenoise: two writes of the same size within one second keep the ETag.
//
// Evaluation order (RFC 9110 13.2.2), for GET and HEAD only:
//   If-None-Match present -> 304 when it matches (weak comparison), else ignore IMS;
//   else If-Modified-Since -> 304 when Last-Modified <= the date (an invalid date is ignored);
//   then Range, only when If-Range (if any) matches: an entity-tag by strong comparison, or
//   a date equal to Last-Modified.
// Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace paasrun::static_files {

/// "\"5f3a1c2b-1a4\"" for an mtime (unix seconds) and a size.
[[nodiscard]] std::string make_etag(std::int64_t mtime_seconds, std::uint64_t size);

/// Parses an HTTP-date in any of the three forms a recipient must accept (RFC 9110 5.6.7):
/// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", rfc850 "Sunday, 06-Nov-94 08:49:37 GMT",
/// asctime "Sun Nov  6 08:49:37 1994". Unix seconds; nullopt when invalid.
[[nodiscard]] std::optional<std::int64_t> parse_http_date(std::string_view text) noexcept;

/// If-None-Match: true when the field is "*" or lists an entity-tag that weakly matches
/// `etag` (W/ prefixes ignored on both sides). A malformed list matches nothing.
[[nodiscard]] bool if_none_match_matches(std::string_view field, std::string_view etag) noexcept;

/// If-Modified-Since: true (not modified) when the date parses and mtime <= date.
[[nodiscard]] bool not_modified_since(std::string_view field, std::int64_t mtime) noexcept;

/// If-Range: true when the Range field may be honoured. An entity-tag must match strongly
/// (a weak tag never does); a date must equal Last-Modified exactly. Empty field: true.
[[nodiscard]] bool if_range_allows(std::string_view field, std::string_view etag,
                                   std::int64_t mtime) noexcept;

}  // namespace paasrun::static_files
