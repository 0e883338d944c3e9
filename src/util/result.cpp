#include "util/result.hpp"

namespace paasrun {

std::string Where::str() const {
    std::string out = file;
    if (line > 0) {
        out += out.empty() ? fmt::format("line {}", line) : fmt::format(":{}", line);
        if (column > 0) out += fmt::format(":{}", column);
    }
    return out;
}

std::string Error::describe() const {
    auto w = where.str();
    return w.empty() ? message : fmt::format("{}: {}", w, message);
}

}  // namespace paasrun
