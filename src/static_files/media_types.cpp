#include "static_files/media_types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace paasrun::static_files {
namespace {

struct Row {
    std::string_view ext;           // lowercase, without the dot
    std::string_view content_type;  // full Content-Type value (charset included for text)
    bool text;
    bool compressible;
};

constexpr std::string_view kOctetStream = "application/octet-stream";

// Sorted by extension (checked by a unit test) so lookup is a binary search.
// Compressible: text-like formats and uncompressed binary formats (wasm, ico, bmp, fonts
// without their own compression). Already-compressed formats (images, woff/woff2, media,
// archives, pdf) are not: gzip would only add a few bytes of framing to them.
constexpr Row kTable[] = {
    {"3gp", "video/3gpp", false, false},
    {"3gpp", "video/3gpp", false, false},
    {"7z", "application/x-7z-compressed", false, false},
    {"aac", "audio/aac", false, false},
    {"ai", "application/postscript", false, true},
    {"apng", "image/apng", false, false},
    {"appcache", "text/cache-manifest; charset=utf-8", true, true},
    {"asf", "video/x-ms-asf", false, false},
    {"asx", "video/x-ms-asf", false, false},
    {"atom", "application/atom+xml; charset=utf-8", true, true},
    {"avi", "video/x-msvideo", false, false},
    {"avif", "image/avif", false, false},
    {"bin", "application/octet-stream", false, false},
    {"bmp", "image/bmp", false, true},
    {"br", "application/x-brotli", false, false},
    {"bz2", "application/x-bzip2", false, false},
    {"cjs", "text/javascript; charset=utf-8", true, true},
    {"crt", "application/x-x509-ca-cert", false, false},
    {"css", "text/css; charset=utf-8", true, true},
    {"csv", "text/csv; charset=utf-8", true, true},
    {"cur", "image/x-icon", false, true},
    {"der", "application/x-x509-ca-cert", false, false},
    {"doc", "application/msword", false, false},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", false,
     false},
    {"eot", "application/vnd.ms-fontobject", false, true},
    {"eps", "application/postscript", false, true},
    {"epub", "application/epub+zip", false, false},
    {"flac", "audio/flac", false, false},
    {"flv", "video/x-flv", false, false},
    {"geojson", "application/geo+json; charset=utf-8", true, true},
    {"gif", "image/gif", false, false},
    {"gz", "application/gzip", false, false},
    {"htc", "text/x-component; charset=utf-8", true, true},
    {"htm", "text/html; charset=utf-8", true, true},
    {"html", "text/html; charset=utf-8", true, true},
    {"ico", "image/x-icon", false, true},
    {"ics", "text/calendar; charset=utf-8", true, true},
    {"jar", "application/java-archive", false, false},
    {"jpeg", "image/jpeg", false, false},
    {"jpg", "image/jpeg", false, false},
    {"js", "text/javascript; charset=utf-8", true, true},
    {"json", "application/json; charset=utf-8", true, true},
    {"jsonld", "application/ld+json; charset=utf-8", true, true},
    {"jxl", "image/jxl", false, false},
    {"kml", "application/vnd.google-earth.kml+xml; charset=utf-8", true, true},
    {"kmz", "application/vnd.google-earth.kmz", false, false},
    {"m3u8", "application/vnd.apple.mpegurl; charset=utf-8", true, true},
    {"m4a", "audio/mp4", false, false},
    {"m4v", "video/x-m4v", false, false},
    {"manifest", "text/cache-manifest; charset=utf-8", true, true},
    {"map", "application/json; charset=utf-8", true, true},
    {"md", "text/markdown; charset=utf-8", true, true},
    {"mid", "audio/midi", false, false},
    {"midi", "audio/midi", false, false},
    {"mjs", "text/javascript; charset=utf-8", true, true},
    {"mml", "text/mathml; charset=utf-8", true, true},
    {"mov", "video/quicktime", false, false},
    {"mp3", "audio/mpeg", false, false},
    {"mp4", "video/mp4", false, false},
    {"mpeg", "video/mpeg", false, false},
    {"mpg", "video/mpeg", false, false},
    {"odg", "application/vnd.oasis.opendocument.graphics", false, false},
    {"odp", "application/vnd.oasis.opendocument.presentation", false, false},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet", false, false},
    {"odt", "application/vnd.oasis.opendocument.text", false, false},
    {"oga", "audio/ogg", false, false},
    {"ogg", "audio/ogg", false, false},
    {"ogv", "video/ogg", false, false},
    {"opus", "audio/ogg", false, false},
    {"otf", "font/otf", false, true},
    {"pdf", "application/pdf", false, false},
    {"pem", "application/x-x509-ca-cert", false, false},
    {"png", "image/png", false, false},
    {"ppt", "application/vnd.ms-powerpoint", false, false},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", false,
     false},
    {"ps", "application/postscript", false, true},
    {"rar", "application/vnd.rar", false, false},
    {"rss", "application/rss+xml; charset=utf-8", true, true},
    {"rtf", "application/rtf", false, true},
    {"svg", "image/svg+xml; charset=utf-8", true, true},
    {"svgz", "image/svg+xml", false, false},
    {"swf", "application/x-shockwave-flash", false, false},
    {"tar", "application/x-tar", false, true},
    {"tgz", "application/gzip", false, false},
    {"tif", "image/tiff", false, false},
    {"tiff", "image/tiff", false, false},
    {"toml", "application/toml; charset=utf-8", true, true},
    {"ts", "video/mp2t", false, false},
    {"tsv", "text/tab-separated-values; charset=utf-8", true, true},
    {"ttf", "font/ttf", false, true},
    {"txt", "text/plain; charset=utf-8", true, true},
    {"vcf", "text/vcard; charset=utf-8", true, true},
    {"vtt", "text/vtt; charset=utf-8", true, true},
    {"wasm", "application/wasm", false, true},
    {"wav", "audio/wav", false, true},
    {"weba", "audio/webm", false, false},
    {"webm", "video/webm", false, false},
    {"webmanifest", "application/manifest+json; charset=utf-8", true, true},
    {"webp", "image/webp", false, false},
    {"wmv", "video/x-ms-wmv", false, false},
    {"woff", "font/woff", false, false},
    {"woff2", "font/woff2", false, false},
    {"xhtml", "application/xhtml+xml; charset=utf-8", true, true},
    {"xls", "application/vnd.ms-excel", false, false},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false, false},
    {"xml", "text/xml; charset=utf-8", true, true},
    {"xsl", "application/xml; charset=utf-8", true, true},
    {"xz", "application/x-xz", false, false},
    {"yaml", "application/yaml; charset=utf-8", true, true},
    {"yml", "application/yaml; charset=utf-8", true, true},
    {"zip", "application/zip", false, false},
    {"zst", "application/zstd", false, false},
};

// Whole file names with a fixed type whatever their extension (Apple's universal links file
// has none; whitenoise's table names it too).
constexpr Row kNames[] = {
    {"apple-app-site-association", "application/json; charset=utf-8", true, true},
    {"crossdomain.xml", "text/x-cross-domain-policy; charset=utf-8", true, true},
};

constexpr std::size_t kMaxExt = 16;

bool lower_into(std::string_view in, std::array<char, kMaxExt>& buf, std::string_view& out) {
    if (in.size() > buf.size()) return false;
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    out = std::string_view(buf.data(), in.size());
    return true;
}

const Row* find_row(std::string_view file_name) {
    auto slash = file_name.rfind('/');
    if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    for (const auto& r : kNames)
        if (r.ext == file_name) return &r;
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == file_name.size()) return nullptr;
    std::array<char, kMaxExt> buf{};
    std::string_view ext;
    if (!lower_into(file_name.substr(dot + 1), buf, ext)) return nullptr;
    const auto* end = std::end(kTable);
    const auto* it = std::lower_bound(std::begin(kTable), end, ext,
                                      [](const Row& r, std::string_view e) { return r.ext < e; });
    if (it == end || it->ext != ext) return nullptr;
    return it;
}

std::string_view bare_type(std::string_view content_type) {
    return content_type.substr(0, content_type.find(';'));
}

}  // namespace

MediaType media_type_for(std::string_view file_name) noexcept {
    const Row* r = find_row(file_name);
    if (!r) return {kOctetStream, false, false};
    return {bare_type(r->content_type), r->text, r->compressible};
}

std::string_view content_type_for(std::string_view file_name) noexcept {
    const Row* r = find_row(file_name);
    return r ? r->content_type : kOctetStream;
}

bool media_table_is_sorted() noexcept {
    return std::is_sorted(std::begin(kTable), std::end(kTable),
                          [](const Row& a, const Row& b) { return a.ext < b.ext; }) &&
           std::adjacent_find(std::begin(kTable), std::end(kTable), [](const Row& a, const Row& b) {
               return a.ext == b.ext;
           }) == std::end(kTable);
}

}  // namespace paasrun::static_files
