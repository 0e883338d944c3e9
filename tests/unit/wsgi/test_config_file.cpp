// The config-file report between the child that runs gunicorn.conf.py and serve.
#include <catch2/catch.hpp>

#include "wsgi/config_file.hpp"

using namespace paasrun::wsgi;

TEST_CASE("config file report: round trip and malformed input", "[wsgi][config_file]") {
    std::vector<ConfigEntry> entries{{"workers", false, {"3"}},
                                     {"bind", false, {"127.0.0.1:1", "unix:/x y"}},
                                     {"raw_env", false, {}},
                                     {"post_fork", true, {}}};
    auto back = decode_config_entries(encode_config_entries(entries));
    REQUIRE(back);
    CHECK(*back == entries);
    CHECK_FALSE(decode_config_entries(std::string("workers\0v\0", 10)));
    CHECK_FALSE(
        decode_config_entries(std::string("workers\0x\0"
                                          "1\0"
                                          "3\0",
                                          14)));
    CHECK_FALSE(
        decode_config_entries(std::string("workers\0v\0"
                                          "9\0"
                                          "3\0",
                                          14)));
}
