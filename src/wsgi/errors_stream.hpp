// wsgi.errors: a text stream whose complete lines go to an ErrorsHandler (the worker's
// log). PEP 3333: write(str), writelines(seq of str), flush(). Line-buffered: a partial
// line waits for its '\n', for flush(), or for the object's destruction. One instance per
// App, shared by all requests and threads; the GIL serialises writes.
#pragma once

#include "wsgi/app.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {

/// A new stream delivering lines to `handler` (the default handler when empty: the line
/// plus '\n' to fd 2 in one write). Null with a Python error set on failure. GIL held.
[[nodiscard]] PyRef errors_stream_new(ErrorsHandler handler);

}  // namespace paasrun::wsgi
