// Hand-made tar archives for the unpacker's tests (no tar binary, no libarchive: every
// header is written exactly as the test needs it, including hostile ones).
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace paasrun::deploy::test {

inline std::string tar_header(const std::string& name, char type, std::size_t size,
                              const std::string& link = "", unsigned mode = 0644) {
    std::string h(512, '\0');
    name.copy(h.data(), std::min<std::size_t>(name.size(), 100));
    std::snprintf(h.data() + 100, 8, "%07o", mode);
    std::snprintf(h.data() + 108, 8, "%07o", 0u);
    std::snprintf(h.data() + 116, 8, "%07o", 0u);
    std::snprintf(h.data() + 124, 12, "%011zo", size);
    std::snprintf(h.data() + 136, 12, "%011o", 0u);
    h[156] = type;
    link.copy(h.data() + 157, std::min<std::size_t>(link.size(), 100));
    std::string("ustar").copy(h.data() + 257, 5);
    h[262] = '\0';
    h[263] = '0';
    h[264] = '0';
    std::fill(h.begin() + 148, h.begin() + 156, ' ');
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h.data() + 148, 8, "%06o", sum);
    h[155] = ' ';
    return h;
}

inline std::string tar_data(const std::string& data) {
    std::string out = data;
    out.resize((data.size() + 511) / 512 * 512, '\0');
    return out;
}

class TarBuilder {
public:
    TarBuilder& file(const std::string& name, const std::string& data, unsigned mode = 0644) {
        tar_ += tar_header(name, '0', data.size(), "", mode) + tar_data(data);
        return *this;
    }
    TarBuilder& dir(const std::string& name) {
        tar_ += tar_header(name, '5', 0, "", 0755);
        return *this;
    }
    TarBuilder& symlink(const std::string& name, const std::string& target) {
        tar_ += tar_header(name, '2', 0, target);
        return *this;
    }
    TarBuilder& hardlink(const std::string& name, const std::string& target) {
        tar_ += tar_header(name, '1', 0, target);
        return *this;
    }
    TarBuilder& raw(char type, const std::string& name) {
        tar_ += tar_header(name, type, 0);
        return *this;
    }
    TarBuilder& pax_path(const std::string& path) {
        std::string rec = " path=" + path + "\n";
        std::size_t len = rec.size() + 2;
        if (std::to_string(len).size() + rec.size() != len) ++len;
        std::string body = std::to_string(len) + rec;
        tar_ += tar_header("PaxHeader", 'x', body.size()) + tar_data(body);
        return *this;
    }
    std::string bytes() const { return tar_ + std::string(1024, '\0'); }
    std::filesystem::path write(const std::filesystem::path& p) const {
        std::ofstream(p, std::ios::binary) << bytes();
        return p;
    }

private:
    std::string tar_;
};

}  // namespace paasrun::deploy::test
