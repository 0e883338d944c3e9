// /metrics text format 0.0.4: families, HELP/TYPE, histogram shape, label escaping.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "admin/prometheus.hpp"

using namespace paasrun::admin;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

Metrics sample_metrics() {
    Metrics m;
    m.requests_by_class = {{"2xx", 10}, {"5xx", 1}};
    m.latency_bounds = {0.005, 0.1, 1};
    m.latency_buckets = {3, 9, 11};
    m.latency_sum_seconds = 1.25;
    m.latency_count = 11;
    m.in_flight = 2;
    m.worker_restarts = 4;
    m.process_restarts = {{"web", 1}, {"worker", 3}};
    return m;
}

}  // namespace

TEST_CASE("prometheus: every family has HELP and TYPE, and samples follow their family", "[admin][metrics]") {
    AppStatus s;
    s.current_release = 7;
    s.ready = true;
    paasrun::supervisor::ProcessStatus p;
    p.name = "web.1";
    p.type = "web";
    p.state = paasrun::supervisor::ProcessState::up;
    s.processes.push_back(p);
    auto text = format_prometheus(sample_metrics(), s);

    CHECK(has_line(text, "# TYPE paasrun_http_requests_total counter"));
    CHECK(has_line(text, "paasrun_http_requests_total{class=\"1xx\"} 0"));
    CHECK(has_line(text, "paasrun_http_requests_total{class=\"2xx\"} 10"));
    CHECK(has_line(text, "paasrun_http_requests_total{class=\"5xx\"} 1"));
    CHECK(has_line(text, "# TYPE paasrun_http_request_duration_seconds histogram"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_bucket{le=\"0.005\"} 3"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_bucket{le=\"1\"} 11"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_bucket{le=\"+Inf\"} 11"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_sum 1.25"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_count 11"));
    CHECK(has_line(text, "# TYPE paasrun_http_requests_in_flight gauge"));
    CHECK(has_line(text, "paasrun_http_requests_in_flight 2"));
    CHECK(has_line(text, "paasrun_worker_restarts_total 4"));
    CHECK(has_line(text, "paasrun_process_restarts_total{type=\"worker\"} 3"));
    CHECK(has_line(text, "paasrun_release_info{version=\"v7\"} 1"));
    CHECK(has_line(text, "paasrun_process_state{name=\"web.1\",type=\"web\",state=\"up\"} 1"));
    CHECK(has_line(text, "paasrun_process_state{name=\"web.1\",type=\"web\",state=\"crashed\"} 0"));
    CHECK(has_line(text, "paasrun_ready 1"));

    // Structure: each sample's metric name belongs to the last # TYPE seen, and every TYPE
    // is preceded by its HELP; the text ends with a newline.
    REQUIRE(text.back() == '\n');
    std::istringstream in(text);
    std::string family, help_for;
    for (std::string l; std::getline(in, l);) {
        INFO(l);
        if (l.starts_with("# HELP ")) {
            help_for = l.substr(7, l.find(' ', 7) - 7);
            continue;
        }
        if (l.starts_with("# TYPE ")) {
            family = l.substr(7, l.find(' ', 7) - 7);
            CHECK(family == help_for);
            continue;
        }
        auto name = l.substr(0, l.find_first_of("{ "));
        CHECK((name == family || name == family + "_bucket" || name == family + "_sum" || name == family + "_count"));
    }
}

TEST_CASE("prometheus: without a status the per-process families have no samples", "[admin][metrics]") {
    auto text = format_prometheus(sample_metrics(), std::nullopt);
    CHECK(has_line(text, "# TYPE paasrun_release_info gauge"));
    CHECK(text.find("paasrun_release_info{") == std::string::npos);
    CHECK(text.find("paasrun_process_state{") == std::string::npos);
}

TEST_CASE("prometheus: histogram with no observations still has +Inf, sum and count", "[admin][metrics]") {
    auto text = format_prometheus(Metrics{}, std::nullopt);
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_bucket{le=\"+Inf\"} 0"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_sum 0"));
    CHECK(has_line(text, "paasrun_http_request_duration_seconds_count 0"));
}

TEST_CASE("prometheus: label values are escaped", "[admin][metrics]") {
    CHECK(escape_label_value(R"(a"b\c)") == R"(a\"b\\c)");
    CHECK(escape_label_value("line\nbreak") == "line\\nbreak");
    Metrics m;
    m.process_restarts = {{"we\"ird", 1}};
    auto text = format_prometheus(m, std::nullopt);
    CHECK(has_line(text, "paasrun_process_restarts_total{type=\"we\\\"ird\"} 1"));
}

TEST_CASE("prometheus: sample values", "[admin][metrics]") {
    CHECK(format_sample_value(0.25) == "0.25");
    CHECK(format_sample_value(10) == "10");
    CHECK(format_sample_value(std::numeric_limits<double>::infinity()) == "+Inf");
    CHECK(format_sample_value(-std::numeric_limits<double>::infinity()) == "-Inf");
    CHECK(format_sample_value(std::nan("")) == "NaN");
}
