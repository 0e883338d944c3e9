#include "deploy/bake_state.hpp"

#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "util/durable_fs.hpp"

namespace paasrun::deploy {

namespace fs = std::filesystem;

fs::path bake_record_path(const fs::path& state_dir) {
    return state_dir / "bake.json";
}

std::string format_bake_record(const BakeRecord& r) {
    nlohmann::ordered_json j;
    j["version"] = r.version;
    j["previous"] = r.previous;
    return j.dump() + "\n";
}

std::optional<BakeRecord> parse_bake_record(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    auto v = j.find("version"), p = j.find("previous");
    if (v == j.end() || !v->is_number_integer() || p == j.end() || !p->is_number_integer())
        return std::nullopt;
    BakeRecord r{v->get<int>(), p->get<int>()};
    if (r.version <= 0 || r.previous < 0) return std::nullopt;
    return r;
}

Status write_bake_record(const fs::path& state_dir, const BakeRecord& r) {
    return paasrun::write_file_atomic(bake_record_path(state_dir), format_bake_record(r));
}

std::optional<BakeRecord> read_bake_record(const fs::path& state_dir) {
    auto text = paasrun::read_file(bake_record_path(state_dir));
    if (!text) return std::nullopt;
    return parse_bake_record(*text);
}

Status clear_bake_record(const fs::path& state_dir) {
    auto path = bake_record_path(state_dir);
    if (::unlink(path.c_str()) == -1) {
        if (errno == ENOENT) return {};
        return sys_error("remove {}", path.string());
    }
    return paasrun::fsync_path(state_dir);
}

}  // namespace paasrun::deploy
