#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include "export/yaml_writer.hpp"

using paasrun::exporting::Node;
using paasrun::exporting::to_yaml;
using paasrun::exporting::yaml_quote;

TEST_CASE("yaml writer: strings that YAML would retype or misparse come back unchanged",
          "[export][yaml]") {
    const std::vector<std::string> tricky = {
        "on",         "no",          "0755",        "1e3",       "null",    "~",
        "",           "a: b # c",    "- item",      "{x}",       "[y]",     "'single'",
        "\"double\"", "back\\slash", "line\nbreak", "tab\there", "\x01ctl", "ünï©ødé",
        "*alias",     "&anchor",     "%tag",        "$PORT",     "!local"};
    Node doc;
    Node::List list;
    for (const auto& s : tricky) list.emplace_back(s);
    doc.set("values", Node(list));
    doc.set("on", "key that YAML 1.1 reads as a boolean");
    doc.set("with space", "quoted key");
    auto y = YAML::Load(to_yaml(doc));
    REQUIRE(y["values"].size() == tricky.size());
    for (std::size_t i = 0; i < tricky.size(); ++i)
        CHECK(y["values"][i].as<std::string>() == tricky[i]);
    CHECK(y["on"].as<std::string>() == "key that YAML 1.1 reads as a boolean");
    CHECK(y["with space"].as<std::string>() == "quoted key");
}

TEST_CASE("yaml writer: nested maps and lists keep their shape and types", "[export][yaml]") {
    Node inner;
    inner.set("n", 3);
    inner.set("flag", false);
    Node item;
    item.set("name", "web");
    item.set("ports", Node(Node::List{Node(5000), Node(5001)}));
    item.set("empty", Node(Node::List{}));
    item.set("inner", inner);
    Node doc;
    doc.set("items", Node(Node::List{item, item}));
    doc.set("emptymap", Node());
    auto y = YAML::Load(to_yaml(doc));
    REQUIRE(y["items"].IsSequence());
    REQUIRE(y["items"].size() == 2);
    CHECK(y["items"][1]["name"].as<std::string>() == "web");
    CHECK(y["items"][1]["ports"][1].as<int>() == 5001);
    CHECK(y["items"][0]["empty"].IsSequence());
    CHECK(y["items"][0]["empty"].size() == 0);
    CHECK(y["items"][0]["inner"]["n"].as<int>() == 3);
    CHECK(y["items"][0]["inner"]["flag"].as<bool>() == false);
    CHECK(y["emptymap"].IsMap());
}

TEST_CASE("yaml writer: quoting escapes control characters JSON-style", "[export][yaml]") {
    CHECK(yaml_quote("a\"b") == "\"a\\\"b\"");
    CHECK(yaml_quote("\x1b") == "\"\\x1b\"");
    CHECK(yaml_quote("x\ny") == "\"x\\ny\"");
}

TEST_CASE("yaml writer: the output is ASCII; non-ASCII text comes back unchanged",
          "[export][yaml]") {
    Node doc;
    doc.set("text", "caf\xc3\xa9 \xe2\x82\xac del\x7f");
    doc.set("broken", "bad\xff");  // not UTF-8: YAML cannot hold it, so it becomes U+FFFD
    auto text = to_yaml(doc);
    for (unsigned char c : text) CHECK((c == '\n' || (c >= 0x20 && c < 0x7f)));
    CHECK(text.find("del\\x7f") != std::string::npos);
    auto y = YAML::Load(text);
    CHECK(y["text"].as<std::string>() == "caf\xc3\xa9 \xe2\x82\xac del\x7f");
    CHECK(y["broken"].as<std::string>() == "bad\xef\xbf\xbd");
    CHECK(text.back() == '\n');
}
