// /metrics in the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Pure: tests compare text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "admin/app_control.hpp"

namespace paasrun::admin {

/// The Content-Type Prometheus expects for this format.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

/// Every metric family with its # HELP and # TYPE lines, even when it has no sample yet
/// (status classes 1xx..5xx are always present, at 0). `status` adds the release info,
/// process states and readiness; without it those families have no samples.
[[nodiscard]] std::string format_prometheus(const Metrics& m,
                                            const std::optional<AppStatus>& status);

/// A label value escaped for the text format: \ -> \\, " -> \", newline -> \n.
[[nodiscard]] std::string escape_label_value(std::string_view v);

/// A sample value: shortest round-trip decimal, +Inf, -Inf or NaN.
[[nodiscard]] std::string format_sample_value(double v);

}  // namespace paasrun::admin
