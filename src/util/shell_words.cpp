#include "util/shell_words.hpp"

namespace paasrun {

Result<std::vector<std::string>> split_shell_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\'') {
            auto end = text.find('\'', i + 1);
            if (end == std::string_view::npos) return Error("no closing quotation (')");
            word.append(text.substr(i + 1, end - i - 1));
            i = end;
        } else if (c == '"') {
            for (++i;; ++i) {
                if (i >= text.size()) return Error("no closing quotation (\")");
                char d = text[i];
                if (d == '"') break;
                if (d == '\\' && i + 1 < text.size() &&
                    std::string_view("\\\"$`\n").find(text[i + 1]) != std::string_view::npos)
                    d = text[++i];
                word += d;
            }
        } else if (c == '\\') {
            if (i + 1 >= text.size()) return Error("no escaped character after a backslash");
            word += text[++i];
        } else {
            word += c;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

}  // namespace paasrun
