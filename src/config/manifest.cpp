#include "config/manifest.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/app_json.hpp"
#include "config/app_spec.hpp"
#include "config/scalars.hpp"
#include "config/text_file.hpp"
#include "config/yaml_checker.hpp"
#include "config/yaml_guard.hpp"

namespace paasrun::config {

namespace {

constexpr long long int_max = (1LL << 31) - 1;
constexpr long long max_size = 1LL << 40;  // 1 TiB: beyond that a size is surely a typo

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Procfile names: [A-Za-z0-9_-]+ (Heroku).
bool valid_type_name(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

// Same rule as .env keys, so a variable can move between the two.
bool valid_env_name(std::string_view s) {
    if (s.empty() || !(s[0] == '_' || (is_alnum(s[0]) && !(s[0] >= '0' && s[0] <= '9'))))
        return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool valid_app_name(std::string_view s) {
    return !s.empty() && s.size() <= 63 && is_alnum(s[0]) &&
           std::all_of(s.begin(), s.end(),
                       [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

// A path inside the app directory: relative, no "..", not empty.
bool valid_relative_dir(std::string_view s) {
    if (s.empty() || s.front() == '/') return false;
    std::filesystem::path p{std::string(s)};
    return std::none_of(p.begin(), p.end(), [](const auto& part) { return part == ".."; });
}

// "*", an IPv4/IPv6 address, or a CIDR block.
bool valid_ip_or_cidr(std::string_view s) {
    if (s == "*") return true;
    std::string addr(s.substr(0, s.find('/')));
    unsigned char buf[16];
    int bits = 0;
    if (::inet_pton(AF_INET, addr.c_str(), buf) == 1)
        bits = 32;
    else if (::inet_pton(AF_INET6, addr.c_str(), buf) == 1)
        bits = 128;
    else
        return false;
    if (addr.size() == s.size()) return true;
    auto prefix = parse_integer(s.substr(addr.size() + 1));
    return prefix && *prefix >= 0 && *prefix <= bits;
}

// "host:port", "[v6]:port" or "unix:/absolute/path".
bool valid_bind(std::string_view s) {
    if (s.rfind("unix:", 0) == 0) return s.size() > 6 && s[5] == '/';
    std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    auto port = parse_integer(s.substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) return false;
    std::string_view host = s.substr(0, colon);
    if (host.front() == '[') {
        if (host.back() != ']') return false;
        std::string v6(host.substr(1, host.size() - 2));
        unsigned char buf[16];
        return ::inet_pton(AF_INET6, v6.c_str(), buf) == 1;
    }
    return std::all_of(host.begin(), host.end(),
                       [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; });
}

class ManifestReader {
public:
    explicit ManifestReader(std::string_view file) : y_(file) {}

    ManifestReport read(std::string_view text) {
        if (auto stuck = find_stuck_document(text)) {
            YAML::Mark at;  // 0-based, as yaml-cpp reports positions
            at.line = stuck->line - 1;
            at.column = stuck->column - 1;
            y_.error(at,
                     "YAML syntax error: a document cannot start with ',' (outside [ ] or { })");
            return ManifestReport{std::move(m_), std::move(y_.errors())};
        }
        try {
            auto docs = YAML::LoadAll(std::string(text));
            if (docs.size() > 1)
                y_.error(docs[1].Mark(),
                         "only one YAML document is allowed (found a second '---')");
            if (!docs.empty()) top(docs[0]);
        } catch (const YAML::ParserException& e) {
            // Includes YAML::DeepRecursion: yaml-cpp's guard against stack exhaustion.
            y_.error(e.mark, fmt::format("YAML syntax error: {}", e.msg));
        } catch (const YAML::Exception& e) {
            y_.error(e.mark, fmt::format("YAML error: {}", e.msg));
        }
        std::stable_sort(y_.errors().begin(), y_.errors().end(),
                         [](const Error& a, const Error& b) {
                             return std::pair(a.where.line, a.where.column) <
                                    std::pair(b.where.line, b.where.column);
                         });
        return ManifestReport{std::move(m_), std::move(y_.errors())};
    }

private:
    using F = YamlChecker::Field;
    using Node = YAML::Node;
    using Path = std::string;

    void top(const Node& root) {
        if (!root.IsNull() && !root.IsMap())
            return y_.error(root, "",
                            fmt::format("the manifest must be a mapping of keys, got {}",
                                        YamlChecker::describe(root)));
        y_.fields(root, "",
                  {
                      F{"app", [this](const Node& v, const Path& p) { app(v, p); }},
                      F{"formation", [this](const Node& v, const Path& p) { formation(v, p); }},
                      F{"env", [this](const Node& v, const Path& p) { env(v, p); }},
                      F{"web", [this](const Node& v, const Path& p) { web(v, p); }},
                      F{"static", [this](const Node& v, const Path& p) { static_files(v, p); }},
                      F{"health", [this](const Node& v, const Path& p) { health(v, p); }},
                      F{"restart", [this](const Node& v, const Path& p) { restart(v, p); }},
                      F{"grace_period",
                        [this](const Node& v, const Path& p) {
                            y_.duration(v, p, m_.grace_period, 0, false);
                        }},
                      F{"release_timeout",
                        [this](const Node& v, const Path& p) {
                            y_.duration(v, p, m_.release_timeout, 0, true);
                        }},
                      F{"data_dir", [this](const Node& v, const Path& p) { data_dir(v, p); }},
                      F{"build", [this](const Node& v, const Path& p) { build(v, p); }},
                      F{"python", [this](const Node& v, const Path& p) { python(v, p); }},
                      F{"admin", [this](const Node& v, const Path& p) { admin(v, p); }},
                      F{"deploy", [this](const Node& v, const Path& p) { deploy(v, p); }},
                  });
    }

    void data_dir(const Node& v, const Path& p) {
        std::string dir;
        if (!y_.string(v, p, dir)) return;
        if (dir.empty()) return y_.error(v, p, "must be a directory path, got an empty string");
        if (dir.find('\0') != std::string::npos)
            return y_.error(v, p, "must not contain a NUL byte");
        m_.data_dir = dir;
    }

    void app(const Node& v, const Path& p) {
        std::string name;
        if (!y_.string(v, p, name)) return;
        if (!valid_app_name(name))
            return y_.error(v, p,
                            "must be 1-63 letters, digits, '_', '.' or '-', starting with a "
                            "letter or digit");
        m_.app_name = name;
    }

    void formation(const Node& map, const Path& p) {
        y_.entries(map, p, [&](const Node& key, const Node& value) {
            const std::string& name = key.Scalar();
            Path path = fmt::format("{}.{}", p, name);
            if (!valid_type_name(name))
                return y_.error(key, p,
                                fmt::format("invalid process type \"{}\" (allowed: letters, "
                                            "digits, '_' and '-')",
                                            name));
            if (name == "release")
                return y_.error(key, path,
                                "the release phase runs once per release and cannot be scaled");
            if (value.IsNull())
                return y_.error(key, path, "expected a process count, got nothing (null)");
            int count = 1;
            if (!y_.integer(value, path, count, 0, max_formation_count)) return;
            m_.formation[name] = count;
            m_.formation_positions[name] = y_.where(key);
        });
    }

    void env(const Node& map, const Path& p) {
        y_.entries(map, p, [&](const Node& key, const Node& value) {
            const std::string& name = key.Scalar();
            Path path = fmt::format("{}.{}", p, name);
            if (!valid_env_name(name))
                return y_.error(key, p,
                                fmt::format("invalid variable name \"{}\" (must match "
                                            "[A-Za-z_][A-Za-z0-9_.-]*)",
                                            name));
            if (value.IsNull())
                return y_.error(key, path, "no value (write \"\" for an empty string)");
            std::string s;
            if (!y_.string(value, path, s)) return;
            if (s.find('\0') != std::string::npos)
                return y_.error(value, path, "NUL byte in value");
            m_.env.emplace_back(name, std::move(s));
        });
    }

    void web(const Node& map, const Path& p) {
        WebSettings& w = m_.web;
        auto dur = [this](double& out, double lo, bool exclusive) {
            return [this, &out, lo, exclusive](const Node& v, const Path& path) {
                y_.duration(v, path, out, lo, exclusive);
            };
        };
        auto num = [this](int& out, long long lo, long long hi) {
            return [this, &out, lo, hi](const Node& v, const Path& path) {
                y_.integer(v, path, out, lo, hi);
            };
        };
        y_.fields(
            map, p,
            {
                F{"app",
                  [this, &w](const Node& v, const Path& path) {
                      std::string s;
                      if (!y_.string(v, path, s)) return;
                      // serve's own parser: what `paasrun serve` accepts, factories included.
                      if (auto spec = parse_app_spec(s); !spec)
                          return y_.error(
                              v, path,
                              fmt::format("\"{}\" is not \"module:callable\" (e.g. "
                                          "app:application, pkg.wsgi:app, app:create_app()): {}",
                                          s, spec.error().message));
                      w.app = s;
                  }},
                F{"workers", num(w.workers, 0, max_web_workers)},
                F{"threads", num(w.threads, 1, max_web_threads)},
                F{"timeout", dur(w.timeout, 0, true)},
                F{"graceful_timeout", dur(w.graceful_timeout, 0, false)},
                F{"keepalive", dur(w.keepalive, 0, false)},
                F{"request_timeout", dur(w.request_timeout, 0, false)},
                F{"max_requests", num(w.max_requests, 0, int_max)},
                F{"max_requests_jitter", num(w.max_requests_jitter, 0, int_max)},
                F{"max_rss_mb", num(w.max_rss_mb, 0, int_max)},
                F{"max_body",
                  [this, &w](const Node& v, const Path& path) {
                      y_.size(v, path, w.max_body, 1, max_size);
                  }},
                F{"limit_request_line", num(w.limit_request_line, 1, 1 << 20)},
                F{"limit_request_fields", num(w.limit_request_fields, 1, 32768)},
                F{"limit_request_field_size", num(w.limit_request_field_size, 1, 1 << 20)},
                F{"forwarded_allow_ips",
                  [this, &w](const Node& v, const Path& path) { forwarded_allow_ips(v, path, w); }},
                F{"root_path",
                  [this, &w](const Node& v, const Path& path) {
                      std::string s;
                      if (!y_.string(v, path, s)) return;
                      // PEP 3333: SCRIPT_NAME is empty or starts with '/', never ends with one.
                      if (!s.empty() && (s.front() != '/' || s.back() == '/'))
                          return y_.error(v, path,
                                          "must be empty or start with '/' and not end with '/' "
                                          "(e.g. /myapp)");
                      w.root_path = s;
                  }},
                F{"access_log",
                  [this, &w](const Node& v, const Path& path) {
                      one_of(v, path, w.access_log, {"logfmt", "json", "off"});
                  }},
            });
    }

    void forwarded_allow_ips(const Node& v, const Path& path, WebSettings& w) {
        std::vector<std::string> items;
        if (v.IsScalar()) {
            // gunicorn's form: one comma-separated string.
            std::string_view s = v.Scalar();
            while (!s.empty()) {
                std::size_t comma = s.find(',');
                std::string_view item = s.substr(0, comma);
                while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
                while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
                items.emplace_back(item);
                if (comma == std::string_view::npos) break;
                s.remove_prefix(comma + 1);
            }
        } else if (!y_.string_list(v, path, items)) {
            return;
        }
        for (const auto& item : items)
            if (!valid_ip_or_cidr(item))
                return y_.error(
                    v, path,
                    fmt::format("\"{}\" is not an IP address, a CIDR block or \"*\"", item));
        w.forwarded_allow_ips = std::move(items);
    }

    void one_of(const Node& v, const Path& path, std::string& out,
                std::initializer_list<std::string_view> allowed) {
        std::string s;
        if (!y_.string(v, path, s)) return;
        if (std::find(allowed.begin(), allowed.end(), s) != allowed.end()) {
            out = s;
            return;
        }
        std::string list;
        for (auto a : allowed) list += fmt::format("{}{}", list.empty() ? "" : ", ", a);
        y_.error(v, path, fmt::format("must be one of {}, got \"{}\"", list, s));
    }

    void static_files(const Node& map, const Path& p) {
        StaticSettings& s = m_.static_files;
        y_.fields(
            map, p,
            {
                F{"mappings", [this](const Node& v, const Path& path) { mappings(v, path); }},
                F{"root",
                  [this, &s](const Node& v, const Path& path) {
                      std::string dir;
                      if (!y_.string(v, path, dir)) return;
                      if (!valid_relative_dir(dir))
                          return y_.error(v, path,
                                          "must be a directory relative to the app (no leading "
                                          "'/', no '..')");
                      s.root = dir;
                  }},
                F{"fallthrough",
                  [this, &s](const Node& v, const Path& path) {
                      y_.boolean(v, path, s.fallthrough);
                  }},
                F{"max_age",
                  [this, &s](const Node& v, const Path& path) {
                      y_.integer(v, path, s.max_age, 0, int_max);
                  }},
                F{"immutable_prefixes",
                  [this, &s](const Node& v, const Path& path) {
                      std::vector<std::string> list;
                      if (!y_.string_list(v, path, list)) return;
                      for (const auto& prefix : list)
                          if (prefix.empty() || prefix.front() != '/')
                              return y_.error(
                                  v, path,
                                  fmt::format("prefix \"{}\" must start with '/'", prefix));
                      s.immutable_prefixes = std::move(list);
                  }},
                F{"cors",
                  [this, &s](const Node& v, const Path& path) { y_.boolean(v, path, s.cors); }},
            });
    }

    // static.mappings: a list of {prefix, dir} or a mapping prefix -> dir.
    void mappings(const Node& v, const Path& path) {
        auto& out = m_.static_files.mappings;
        std::set<std::string, std::less<>> prefixes;
        auto add = [&](const Node& at, const Path& item_path, const std::string& prefix,
                       const std::string& dir) {
            if (prefix.empty() || prefix.front() != '/')
                return y_.error(at, item_path,
                                fmt::format("URL prefix \"{}\" must start with '/'", prefix));
            if (!valid_relative_dir(dir))
                return y_.error(at, item_path,
                                fmt::format("directory \"{}\" must be relative to the app (no "
                                            "leading '/', no '..')",
                                            dir));
            if (!prefixes.insert(prefix).second)
                return y_.error(at, item_path,
                                fmt::format("prefix \"{}\" is mapped twice", prefix));
            out.push_back(StaticMapping{prefix, dir});
        };
        if (v.IsMap()) {
            y_.entries(v, path, [&](const Node& key, const Node& dir_node) {
                std::string dir;
                Path item_path = fmt::format("{}.{}", path, key.Scalar());
                if (dir_node.IsNull())
                    return y_.error(key, item_path, "expected a directory, got nothing (null)");
                if (!y_.string(dir_node, item_path, dir)) return;
                add(key, path, key.Scalar(), dir);
            });
            return;
        }
        if (!v.IsSequence())
            return y_.error(v, path,
                            fmt::format("expected a list of {{prefix, dir}} or a mapping of "
                                        "prefix: dir, got {}",
                                        YamlChecker::describe(v)));
        std::size_t i = 0;
        for (const auto& item : v) {
            Path item_path = fmt::format("{}[{}]", path, i++);
            std::string prefix, dir;
            bool has_prefix = false, has_dir = false;
            std::size_t errors_before = y_.errors().size();
            y_.fields(
                item, item_path,
                {
                    F{"prefix", [&](const Node& n,
                                    const Path& fp) { has_prefix = y_.string(n, fp, prefix); }},
                    F{"dir",
                      [&](const Node& n, const Path& fp) { has_dir = y_.string(n, fp, dir); }},
                });
            if (y_.errors().size() != errors_before) continue;  // already reported
            if (!has_prefix || !has_dir) {
                y_.error(item, item_path, "needs both \"prefix\" and \"dir\"");
                continue;
            }
            add(item, item_path, prefix, dir);
        }
    }

    void health(const Node& map, const Path& p) {
        HealthCheck& h = m_.health;
        y_.fields(map, p,
                  {
                      F{"path",
                        [this, &h](const Node& v, const Path& path) {
                            std::string s;
                            if (!y_.string(v, path, s)) return;
                            if (!s.empty() && s.front() != '/')
                                return y_.error(v, path, "must start with '/' (e.g. /healthz)");
                            h.path = s;
                        }},
                      F{"interval",
                        [this, &h](const Node& v, const Path& path) {
                            y_.duration(v, path, h.interval, 0, true);
                        }},
                      F{"timeout",
                        [this, &h](const Node& v, const Path& path) {
                            y_.duration(v, path, h.timeout, 0, true);
                        }},
                      F{"attempts",
                        [this, &h](const Node& v, const Path& path) {
                            y_.integer(v, path, h.attempts, 1, 1000);
                        }},
                  });
    }

    void restart(const Node& map, const Path& p) {
        RestartPolicy& r = m_.restart;
        YAML::Mark max_delay_at;
        y_.fields(map, p,
                  {
                      F{"policy",
                        [this, &r](const Node& v, const Path& path) {
                            one_of(v, path, r.policy, {"always", "on-failure", "never"});
                        }},
                      F{"initial_delay",
                        [this, &r](const Node& v, const Path& path) {
                            y_.duration(v, path, r.initial_delay, 0, true);
                        }},
                      F{"max_delay",
                        [this, &r, &max_delay_at](const Node& v, const Path& path) {
                            if (y_.duration(v, path, r.max_delay, 0, true)) max_delay_at = v.Mark();
                        }},
                      F{"reset_after",
                        [this, &r](const Node& v, const Path& path) {
                            y_.duration(v, path, r.reset_after, 0, false);
                        }},
                  });
        if (r.max_delay < r.initial_delay)
            y_.error(max_delay_at.is_null() ? map.Mark() : max_delay_at,
                     fmt::format("{}.max_delay ({}) must be >= {}.initial_delay ({})", p,
                                 r.max_delay, p, r.initial_delay));
    }

    void build(const Node& map, const Path& p) {
        BuildSettings& b = m_.build;
        y_.fields(map, p,
                  {
                      F{"buildpacks",
                        [this, &b](const Node& v, const Path& path) {
                            std::vector<std::string> list;
                            if (!y_.string_list(v, path, list)) return;
                            for (const auto& bp : list)
                                if (bp.empty())
                                    return y_.error(v, path, "a buildpack cannot be empty");
                            b.buildpacks = std::move(list);
                        }},
                      F{"keep_releases",
                        [this, &b](const Node& v, const Path& path) {
                            y_.integer(v, path, b.keep_releases, 1, 1000);
                        }},
                  });
    }

    void python(const Node& map, const Path& p) {
        y_.fields(map, p,
                  {
                      F{"system_site_packages",
                        [this](const Node& v, const Path& path) {
                            y_.boolean(v, path, m_.build.system_site_packages);
                        }},
                  });
    }

    void admin(const Node& map, const Path& p) {
        AdminSettings& a = m_.admin;
        y_.fields(
            map, p,
            {
                F{"enabled",
                  [this, &a](const Node& v, const Path& path) { y_.boolean(v, path, a.enabled); }},
                F{"bind",
                  [this, &a](const Node& v, const Path& path) {
                      std::string s;
                      if (!y_.string(v, path, s)) return;
                      if (!valid_bind(s))
                          return y_.error(v, path,
                                          fmt::format("\"{}\" is not host:port, [v6]:port "
                                                      "or unix:/absolute/path",
                                                      s));
                      a.bind = s;
                  }},
                F{"max_body",
                  [this, &a](const Node& v, const Path& path) {
                      y_.size(v, path, a.max_body, 1, max_size);
                  }},
            });
    }

    void deploy(const Node& map, const Path& p) {
        DeploySettings& d = m_.deploy;
        y_.fields(map, p,
                  {
                      F{"bake_window",
                        [this, &d](const Node& v, const Path& path) {
                            y_.duration(v, path, d.bake_window, 0, false);
                        }},
                      F{"max_health_failures",
                        [this, &d](const Node& v, const Path& path) {
                            y_.integer(v, path, d.max_health_failures, 1, 1000);
                        }},
                      F{"max_crashes",
                        [this, &d](const Node& v, const Path& path) {
                            y_.integer(v, path, d.max_crashes, 1, 1000);
                        }},
                      F{"shutdown_delay",
                        [this, &d](const Node& v, const Path& path) {
                            y_.duration(v, path, d.shutdown_delay, 0, false);
                        }},
                      F{"start_timeout",
                        [this, &d](const Node& v, const Path& path) {
                            y_.duration(v, path, d.start_timeout, 0, true);
                        }},
                      F{"shared_socket",
                        [this, &d](const Node& v, const Path& path) {
                            one_of(v, path, d.shared_socket, {"auto", "always", "never"});
                        }},
                  });
    }

    YamlChecker y_;
    Manifest m_;
};

}  // namespace

ManifestReport validate_manifest(std::string_view text, std::string_view file) {
    return ManifestReader(file).read(text);
}

Result<Manifest> parse_manifest(std::string_view text, std::string_view file) {
    auto report = validate_manifest(text, file);
    if (report.errors.empty()) return std::move(report.manifest);
    Error first = std::move(report.errors.front());
    if (report.errors.size() > 1)
        first.message +=
            fmt::format(" (and {} more; `paasrun check` lists them all)", report.errors.size() - 1);
    return first;
}

std::vector<Error> check_manifest(std::string_view text, std::string_view file) {
    return validate_manifest(text, file).errors;
}

Result<Manifest> load_manifest(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    bool is_dir = fs::is_directory(path, ec);
    fs::path file = is_dir ? fs::path(path) / "paasrun.yaml" : fs::path(path);
    fs::path app_dir = is_dir ? fs::path(path) : file.parent_path();

    auto text = read_optional_text_file(file.string());
    if (!text) return std::move(text).error();
    Manifest m;
    if (text->has_value()) {
        auto parsed = parse_manifest(**text, file.string());
        if (!parsed) return std::move(parsed).error();
        m = std::move(*parsed);
    }
    // app.json's formation and web health check, where paasrun.yaml is silent.
    if (auto merged = merge_app_json(m, app_dir.string()); !merged)
        return std::move(merged).error();
    if (m.app_name.empty()) {
        fs::path abs = fs::absolute(app_dir, ec).lexically_normal();
        if (!abs.has_filename()) abs = abs.parent_path();  // "/srv/app/" -> "/srv/app"
        m.app_name = abs.filename().string();
        if (m.app_name.empty()) m.app_name = "app";
    }
    return m;
}

}  // namespace paasrun::config
