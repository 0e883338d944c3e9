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
    m.websocket =
        WebSocketCounters{2, 9, 40, 41, 400, 410, {{"1000", 5}, {"1001", 1}, {"other", 1}}};
    return m;
}

}  // namespace

TEST_CASE("prometheus: every family has HELP and TYPE, and samples follow their family",
          "[admin][metrics]") {
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
    CHECK(has_line(text, "# TYPE paasrun_websocket_connections_open gauge"));
    CHECK(has_line(text, "paasrun_websocket_connections_open 2"));
    CHECK(has_line(text, "# TYPE paasrun_websocket_connections_total counter"));
    CHECK(has_line(text, "paasrun_websocket_connections_total 9"));
    CHECK(has_line(text, "paasrun_websocket_messages_total{direction=\"received\"} 40"));
    CHECK(has_line(text, "paasrun_websocket_messages_total{direction=\"sent\"} 41"));
    CHECK(has_line(text, "paasrun_websocket_message_bytes_total{direction=\"sent\"} 410"));
    CHECK(has_line(text, "paasrun_websocket_closes_total{code=\"1001\"} 1"));
    CHECK(has_line(text, "paasrun_websocket_closes_total{code=\"other\"} 1"));

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
        CHECK((name == family || name == family + "_bucket" || name == family + "_sum" ||
               name == family + "_count"));
    }
}

TEST_CASE("prometheus: without a status the per-process families have no samples",
          "[admin][metrics]") {
    auto text = format_prometheus(sample_metrics(), std::nullopt);
    CHECK(has_line(text, "# TYPE paasrun_release_info gauge"));
    CHECK(text.find("paasrun_release_info{") == std::string::npos);
    CHECK(text.find("paasrun_process_state{") == std::string::npos);
}

TEST_CASE("prometheus: histogram with no observations still has +Inf, sum and count",
          "[admin][metrics]") {
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

TEST_CASE("prometheus: the per-endpoint families and the web workers' start and previous exit",
          "[admin][metrics]") {
    Metrics m = sample_metrics();
    EndpointStats e;
    e.route = "/users/:id";
    e.requests = 3;
    e.by_class = {0, 2, 0, 0, 1};
    e.latency_sum_seconds = 0.5;
    e.p50 = 0.125;
    e.p99 = 0.25;
    e.cpu_seconds = 0.03;
    e.cpu_requests = 3;
    m.endpoints.push_back(e);
    EndpointStats odd;
    odd.route = "/a\"b";  // label values are escaped
    odd.requests = 1;
    odd.by_class = {0, 1, 0, 0, 0};
    m.endpoints.push_back(odd);
    AppStatus s;
    WebWorker w;
    w.process = "web.1";
    w.pid = 77;
    w.index = 2;
    w.started_unix = 1700000000;
    w.previous = WorkerExitInfo{70, "max-requests", 1699999999, 30, 1000};
    s.web_workers.push_back(w);
    auto text = format_prometheus(m, s);
    CHECK(has_line(text, "# TYPE paasrun_endpoint_requests_total counter"));
    CHECK(has_line(text,
                   "paasrun_endpoint_requests_total{route=\"/users/:id\",status_class=\"2xx\"} 2"));
    CHECK(has_line(text,
                   "paasrun_endpoint_requests_total{route=\"/users/:id\",status_class=\"5xx\"} 1"));
    CHECK(has_line(text,
                   "paasrun_endpoint_requests_total{route=\"/a\\\"b\",status_class=\"2xx\"} 1"));
    CHECK(has_line(text, "# TYPE paasrun_endpoint_request_duration_seconds summary"));
    CHECK(has_line(
        text,
        "paasrun_endpoint_request_duration_seconds{route=\"/users/:id\",quantile=\"0.5\"} 0.125"));
    CHECK(has_line(
        text,
        "paasrun_endpoint_request_duration_seconds{route=\"/users/:id\",quantile=\"0.99\"} 0.25"));
    CHECK(
        has_line(text, "paasrun_endpoint_request_duration_seconds_count{route=\"/users/:id\"} 3"));
    CHECK(
        has_line(text, "paasrun_endpoint_request_duration_seconds_sum{route=\"/users/:id\"} 0.5"));
    // No quantiles for a route without them, but its count and sum.
    CHECK(text.find("route=\"/a\\\"b\",quantile") == std::string::npos);
    CHECK(has_line(text, "paasrun_endpoint_cpu_seconds_total{route=\"/users/:id\"} 0.03"));
    CHECK(has_line(text, "paasrun_endpoint_cpu_measured_requests_total{route=\"/users/:id\"} 3"));
    CHECK(has_line(text,
                   "paasrun_web_worker_start_time_seconds{process=\"web.1\",slot=\"2\",pid=\"77\"} "
                   "1700000000"));
    CHECK(has_line(text,
                   "paasrun_web_worker_previous_exit{process=\"web.1\",slot=\"2\",reason=\"max-"
                   "requests\"} 1"));
}
