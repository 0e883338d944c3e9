#include "config/procfile.hpp"

#include <map>

#include "config/text_file.hpp"

namespace paasrun::config {

namespace {

// Heroku and foreman accept process names matching /\A[A-Za-z0-9_-]+\z/.
bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// A printable rendering of one byte for messages (control bytes and quotes escaped).
std::string show_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\'') return fmt::format("byte 0x{:02x}", u);
    return fmt::format("'{}'", c);
}

class Parser {
public:
    Parser(std::string_view text, std::string_view file, bool stop_at_first)
        : text_(text), file_(file), stop_at_first_(stop_at_first) {}

    void run() {
        // A UTF-8 byte order mark written by some Windows editors is not part of line 1.
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
        int line_no = 0;
        std::size_t pos = 0;
        while (pos < text_.size() && !done()) {
            std::size_t nl = text_.find('\n', pos);
            std::string_view line =
                text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
            pos = nl == std::string_view::npos ? text_.size() : nl + 1;
            ++line_no;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF
            parse_line(line, line_no);
        }
    }

    Procfile& procfile() { return procfile_; }
    std::vector<Error>& errors() { return errors_; }

private:
    [[nodiscard]] bool done() const { return stop_at_first_ && !errors_.empty(); }

    void fail(int line, std::size_t col0, std::string message) {
        errors_.emplace_back(std::move(message),
                             Where{std::string(file_), line, static_cast<int>(col0) + 1});
    }

    void parse_line(std::string_view line, int line_no) {
        std::size_t i = 0;
        while (i < line.size() && is_blank(line[i])) ++i;
        if (i == line.size() || line[i] == '#') return;  // blank line or comment

        std::size_t name_start = i;
        if (line.find(':', i) == std::string_view::npos)
            return fail(line_no, name_start, "expected \"name: command\" (no ':' on this line)");
        while (i < line.size() && is_name_char(line[i])) ++i;
        std::string_view name = line.substr(name_start, i - name_start);
        if (line[i] != ':') {
            if (name.empty() || !is_blank(line[i]))
                return fail(line_no, i,
                            fmt::format("invalid character {} in process type name (allowed: "
                                        "letters, digits, '_' and '-')",
                                        show_char(line[i])));
            return fail(line_no, i, "expected ':' right after the process type name");
        }
        if (name.empty()) return fail(line_no, i, "missing process type name before ':'");

        std::size_t colon = i++;
        while (i < line.size() && is_blank(line[i])) ++i;
        std::string_view command = line.substr(i);
        while (!command.empty() && is_blank(command.back())) command.remove_suffix(1);
        if (command.empty())
            return fail(line_no, colon + 1,
                        fmt::format("empty command for process type \"{}\"", name));
        if (auto nul = command.find('\0'); nul != std::string_view::npos)
            return fail(line_no, i + nul, "NUL byte in command");

        auto [it, inserted] = first_line_.emplace(std::string(name), line_no);
        if (!inserted)
            return fail(line_no, name_start,
                        fmt::format("duplicate process type \"{}\" (lines {} and {})", name,
                                    it->second, line_no));

        ProcessType p{std::string(name), std::string(command), line_no};
        // Heroku: `release` is the release phase, run once per release, never scaled.
        if (name == "release")
            procfile_.release = std::move(p);
        else
            procfile_.processes.push_back(std::move(p));
    }

    std::string_view text_;
    std::string_view file_;
    bool stop_at_first_;
    Procfile procfile_;
    std::map<std::string, int, std::less<>> first_line_;
    std::vector<Error> errors_;
};

}  // namespace

const ProcessType* Procfile::find(std::string_view name) const {
    for (const auto& p : processes)
        if (p.name == name) return &p;
    return nullptr;
}

Result<Procfile> parse_procfile(std::string_view text, std::string_view file) {
    Parser parser(text, file, true);
    parser.run();
    if (!parser.errors().empty()) return std::move(parser.errors().front());
    return std::move(parser.procfile());
}

std::vector<Error> check_procfile(std::string_view text, std::string_view file) {
    Parser parser(text, file, false);
    parser.run();
    return std::move(parser.errors());
}

Result<Procfile> load_procfile(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return std::move(text).error();
    return parse_procfile(*text, path);
}

}  // namespace paasrun::config
