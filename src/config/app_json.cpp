#include "config/app_json.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/text_file.hpp"

namespace paasrun::config {

namespace {

using nlohmann::json;

Error at(std::string_view file, const std::string& message) {
    return Error(message, Where{std::string(file), 0, 0});
}

Result<double> seconds(const json& check, const char* key, double fallback, std::string_view file) {
    auto it = check.find(key);
    if (it == check.end()) return fallback;
    if (!it->is_number() || it->get<double>() <= 0)
        return at(file,
                  fmt::format("healthchecks.web[].{}: expected a positive number of seconds", key));
    return it->get<double>();
}

}  // namespace

Result<AppJson> parse_app_json(std::string_view text, std::string_view file) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        return at(file, fmt::format("not valid JSON (at byte {})", e.byte));
    }
    if (!doc.is_object()) return at(file, "expected a JSON object");
    AppJson out;
    if (auto f = doc.find("formation"); f != doc.end() && !f->is_null()) {
        if (!f->is_object()) return at(file, "formation: expected an object of process types");
        for (const auto& [type, entry] : f->items()) {
            if (!entry.is_object())
                return at(file,
                          fmt::format("formation.{}: expected an object with a quantity", type));
            auto q = entry.find("quantity");
            if (q == entry.end()) continue;  // size only: paasrun has no dyno sizes
            if (!q->is_number_integer() || q->get<long long>() < 0 ||
                q->get<long long>() > max_formation_count)
                return at(file,
                          fmt::format("formation.{}.quantity: expected an integer from 0 to {}",
                                      type, max_formation_count));
            out.formation[type] = q->get<int>();
        }
    }
    if (auto h = doc.find("healthchecks"); h != doc.end() && !h->is_null()) {
        if (!h->is_object()) return at(file, "healthchecks: expected an object of process types");
        if (auto web = h->find("web"); web != h->end()) {
            if (!web->is_array()) return at(file, "healthchecks.web: expected a list of checks");
            for (const auto& check : *web) {
                if (!check.is_object()) return at(file, "healthchecks.web[]: expected an object");
                auto path = check.find("path");
                if (path == check.end()) continue;  // a command or uptime check: not an HTTP one
                if (!path->is_string() || path->get<std::string>().empty() ||
                    path->get<std::string>()[0] != '/')
                    return at(file, "healthchecks.web[].path: expected a path starting with /");
                HealthCheck hc;
                hc.path = path->get<std::string>();
                if (auto a = check.find("attempts"); a != check.end()) {
                    if (!a->is_number_integer() || a->get<long long>() < 1 ||
                        a->get<long long>() > 100)
                        return at(file,
                                  "healthchecks.web[].attempts: expected an integer from 1 to 100");
                    hc.attempts = a->get<int>();
                }
                auto timeout = seconds(check, "timeout", hc.timeout, file);
                if (!timeout) return std::move(timeout).error();
                auto wait = seconds(check, "wait", hc.interval, file);
                if (!wait) return std::move(wait).error();
                hc.timeout = *timeout;
                hc.interval = *wait;
                out.web_health = hc;
                break;
            }
        }
    }
    return out;
}

void apply_app_json(Manifest& m, const AppJson& a, std::string_view file) {
    for (const auto& [type, count] : a.formation) {
        if (m.formation.count(type)) continue;  // paasrun.yaml names it
        m.formation[type] = count;
        m.formation_positions[type] = Where{std::string(file), 0, 0};
    }
    if (a.web_health && m.health.path.empty()) m.health = *a.web_health;
}

Result<bool> merge_app_json(Manifest& m, const std::string& app_dir) {
    auto path = (std::filesystem::path(app_dir) / "app.json").string();
    auto text = read_optional_text_file(path);
    if (!text) return std::move(text).error();
    if (!text->has_value()) return false;
    auto parsed = parse_app_json(**text, path);
    if (!parsed) return std::move(parsed).error();
    apply_app_json(m, *parsed, path);
    return true;
}

}  // namespace paasrun::config
