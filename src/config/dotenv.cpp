#include "config/dotenv.hpp"

#include "config/text_file.hpp"

namespace paasrun::config {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}
bool is_key_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_key_char(char c) {
    return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::string show_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '\'') return fmt::format("byte 0x{:02x}", u);
    return fmt::format("'{}'", c);
}

// A cursor over the whole text that knows its line and column, so values that span lines
// (double quotes) still get exact positions.
class Parser {
public:
    Parser(std::string_view text, std::string_view file, bool stop_at_first)
        : text_(text), file_(file), stop_at_first_(stop_at_first) {}

    void run() {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 BOM is not part of line 1
        while (!at_end() && !(stop_at_first_ && !errors_.empty())) {
            if (!statement())
                skip_line();
            else
                end_line();
        }
    }

    EnvList& entries() { return entries_; }
    std::vector<Error>& errors() { return errors_; }

private:
    struct Mark {
        int line, col;
    };

    [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
    [[nodiscard]] char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    [[nodiscard]] bool at_eol() const {
        return at_end() || peek() == '\n' || (peek() == '\r' && peek(1) == '\n');
    }
    [[nodiscard]] Mark mark() const { return {line_, col_}; }

    void advance() {
        if (text_[pos_] == '\n') {
            ++line_;
            col_ = 0;
        }
        ++pos_;
        ++col_;
    }
    void skip_blanks() {
        while (!at_end() && is_blank(peek())) advance();
    }
    // Consumes the line ending (LF or CRLF) if the cursor is on one.
    void end_line() {
        if (peek() == '\r' && peek(1) == '\n') advance();
        if (!at_end() && peek() == '\n') advance();
    }
    void skip_line() {
        while (!at_eol()) advance();
        end_line();
    }

    bool fail(Mark m, std::string message) {
        errors_.emplace_back(std::move(message), Where{std::string(file_), m.line, m.col});
        return false;
    }

    // One line: blank, comment, or [export ]KEY=VALUE [# comment]. Leaves the cursor on the
    // line ending; returns false after recording an error (the caller skips the line).
    bool statement() {
        skip_blanks();
        if (at_eol()) return true;
        if (peek() == '#') {
            while (!at_eol()) advance();
            return true;
        }
        // `export KEY=...` is accepted so the same file can be sourced by a shell.
        if (text_.substr(pos_, 6) == "export" && is_blank(peek(6))) {
            for (int i = 0; i < 6; ++i) advance();
            skip_blanks();
        }

        Mark key_at = mark();
        std::size_t key_start = pos_;
        while (!at_eol() && peek() != '=' && !is_blank(peek())) {
            bool ok = pos_ == key_start ? is_key_start(peek()) : is_key_char(peek());
            if (!ok)
                return fail(mark(), fmt::format("invalid character {} in variable name",
                                                show_char(peek())));
            advance();
        }
        std::string key(text_.substr(key_start, pos_ - key_start));
        if (key.empty()) return fail(key_at, "expected KEY=VALUE (missing variable name)");
        skip_blanks();
        if (peek() != '=')
            return fail(mark(), fmt::format("expected '=' after variable name \"{}\"", key));
        advance();
        skip_blanks();

        std::string value;
        bool ok = peek() == '"'    ? double_quoted(value)
                  : peek() == '\'' ? single_quoted(value)
                                   : unquoted(value);
        if (!ok) return false;
        entries_.emplace_back(std::move(key), std::move(value));
        return true;
    }

    bool unquoted(std::string& value) {
        std::size_t begin = pos_;
        std::size_t end = pos_;  // one past the last non-blank byte
        while (!at_eol()) {
            char c = peek();
            // A comment starts at '#' after whitespace; `a#b` keeps its '#' (URL fragments).
            if (c == '#' && is_blank(text_[pos_ - 1])) {
                while (!at_eol()) advance();
                break;
            }
            if (c == '\0') return fail(mark(), "NUL byte in value");
            advance();
            if (!is_blank(c)) end = pos_;
        }
        value.assign(text_.substr(begin, end - begin));
        return true;
    }

    bool single_quoted(std::string& value) {
        Mark open = mark();
        advance();
        while (!at_eol() && peek() != '\'') {
            if (peek() == '\0') return fail(mark(), "NUL byte in value");
            value += peek();
            advance();
        }
        if (at_eol())
            return fail(open, "unterminated single-quoted value (single quotes cannot span lines)");
        advance();
        return after_quote();
    }

    bool double_quoted(std::string& value) {
        Mark open = mark();
        advance();
        while (!at_end() && peek() != '"') {
            char c = peek();
            if (c == '\0') return fail(mark(), "NUL byte in value");
            if (c == '\r' && peek(1) == '\n') {  // CRLF inside a multi-line value is "\n"
                advance();
                continue;
            }
            if (c == '\\' && pos_ + 1 < text_.size()) {
                char e = peek(1);
                char out = e == 'n'    ? '\n'
                           : e == 't'  ? '\t'
                           : e == 'r'  ? '\r'
                           : e == '"'  ? '"'
                           : e == '\\' ? '\\'
                           : e == '$'  ? '$'
                                       : '\0';
                if (out != '\0') {
                    value += out;
                    advance();
                    advance();
                    continue;
                }
                // Any other backslash is kept as written, as a POSIX shell does in "...".
            }
            value += c;
            advance();
        }
        if (at_end()) {
            errors_.emplace_back("unterminated double-quoted value (no closing '\"')",
                                 Where{std::string(file_), open.line, open.col});
            return false;  // the rest of the file was consumed: nothing left to resync on
        }
        advance();
        return after_quote();
    }

    // After a closing quote only whitespace and a comment may follow.
    bool after_quote() {
        skip_blanks();
        if (at_eol()) return true;
        if (peek() == '#') {
            while (!at_eol()) advance();
            return true;
        }
        return fail(mark(), "unexpected text after the closing quote");
    }

    std::string_view text_;
    std::string_view file_;
    bool stop_at_first_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int col_ = 1;
    EnvList entries_;
    std::vector<Error> errors_;
};

}  // namespace

Result<EnvList> parse_dotenv(std::string_view text, std::string_view file) {
    Parser parser(text, file, true);
    parser.run();
    if (!parser.errors().empty()) return std::move(parser.errors().front());
    return std::move(parser.entries());
}

std::vector<Error> check_dotenv(std::string_view text, std::string_view file) {
    Parser parser(text, file, false);
    parser.run();
    return std::move(parser.errors());
}

Result<EnvList> load_dotenv(const std::string& path) {
    auto text = read_optional_text_file(path);
    if (!text) return std::move(text).error();
    if (!text->has_value()) return EnvList{};
    return parse_dotenv(**text, path);
}

std::map<std::string, std::string> to_map(const EnvList& list) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : list) out[k] = v;
    return out;
}

}  // namespace paasrun::config
