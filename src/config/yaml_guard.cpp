#include "config/yaml_guard.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>
#include <string>

namespace paasrun::config {
namespace {

// Counts nothing: only HandleNextDocument's return value matters here.
class IgnoreEvents : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

StuckAt first_token(std::string_view text) {
    StuckAt at{1, 1};
    bool comment = false;
    for (char c : text) {
        if (c == '\n') {
            ++at.line;
            at.column = 1;
            comment = false;
            continue;
        }
        if (!comment && c == '#') comment = true;
        if (!comment && c != ' ' && c != '\t' && c != '\r') return at;
        ++at.column;
    }
    return at;
}

}  // namespace

std::optional<StuckAt> find_stuck_document(std::string_view text) {
    std::istringstream in{std::string(text)};
    try {
        YAML::Parser parser(in);
        IgnoreEvents events;
        for (std::size_t documents = 0; parser.HandleNextDocument(events);) {
            if (++documents > text.size() + 1) return first_token(text);
        }
    } catch (const YAML::Exception&) {
        return std::nullopt;  // a syntax error: LoadAll throws it too, with its position
    }
    return std::nullopt;
}

}  // namespace paasrun::config
