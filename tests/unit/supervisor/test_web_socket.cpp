// Which web commands take the shared socket, and the listening socket helpers.
#include <catch2/catch.hpp>

#include "supervisor/web_socket.hpp"

using namespace paasrun::supervisor;

TEST_CASE("command_program skips assignments, exec and directories", "[supervisor][web]") {
    CHECK(command_program("gunicorn app:app") == "gunicorn");
    CHECK(command_program("FOO=1 BAR=x exec /venv/bin/gunicorn -w 2 app:app") == "gunicorn");
    CHECK(command_program("  paasrun serve app:application") == "paasrun");
    CHECK(command_program("") == "");
    CHECK(command_program("1X=2 python") ==
          "1X=2");  // not an assignment: a name cannot start with a digit
}

TEST_CASE("takes_listen_fds and reports_ready", "[supervisor][web]") {
    CHECK(takes_listen_fds("paasrun serve app:application --workers 2"));
    CHECK(reports_ready("paasrun serve app:application"));
    CHECK(takes_listen_fds("exec gunicorn app:app"));
    CHECK_FALSE(reports_ready("gunicorn app:app"));
    CHECK_FALSE(takes_listen_fds("python -m http.server $PORT"));
    CHECK_FALSE(takes_listen_fds("paasrun run -- gunicorn"));
    CHECK_FALSE(reports_ready("paasrun build"));
}

TEST_CASE("listen_tcp binds a free port and reports it", "[supervisor][web]") {
    auto fd = listen_tcp("127.0.0.1", 0);
    REQUIRE(fd);
    int port = bound_port(fd->get());
    CHECK(port > 0);
    auto again = listen_tcp("127.0.0.1", port);  // taken (both listening)
    CHECK(!again);
    CHECK(!listen_tcp("not-an-ip", 0));
}
