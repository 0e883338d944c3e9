// App::State: the Python side of a loaded app. Private to src/wsgi.
#pragma once

#include "wsgi/app.hpp"
#include "wsgi/environ.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {

struct App::State {
    PyRef callable;  // the WSGI application
    PyRef errors;    // wsgi.errors (shared by all requests)
    EnvironBuilder environ;
};

}  // namespace paasrun::wsgi
