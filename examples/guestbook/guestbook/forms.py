"""The guestbook form: reading an application/x-www-form-urlencoded body from wsgi.input
and validating a new entry. Pure apart from reading the request body.

Request-level problems (wrong media type, no or oversized body, bytes that are not UTF-8)
raise BadRequest with the status to answer; field-level problems come back from
validate_entry() as messages for the visitor, answered with 400 and the form refilled.
"""
import dataclasses
import unicodedata
import urllib.parse

MAX_BODY_BYTES = 16 * 1024
NAME_MAX = 80        # characters (code points), after trimming
MESSAGE_MAX = 1000   # characters (code points), after trimming
FORM_TYPE = "application/x-www-form-urlencoded"


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def read_urlencoded(environ, max_bytes: int = MAX_BODY_BYTES) -> dict:
    """The POSTed fields; the first value wins when a name repeats."""
    media_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        raise BadRequest(415, f"The form must be sent as {FORM_TYPE}.")
    # PEP 3333: CONTENT_LENGTH may be empty or absent; a server is not required to end
    # wsgi.input at the end of the body, so the app must not read past CONTENT_LENGTH.
    raw_length = environ.get("CONTENT_LENGTH", "").strip()
    if not raw_length:
        raise BadRequest(411, "The request has no Content-Length.")
    if not (raw_length.isascii() and raw_length.isdigit()):
        raise BadRequest(400, "The request's Content-Length is not a number.")
    length = int(raw_length)
    if length > max_bytes:
        raise BadRequest(413, f"The form is too large ({length} bytes; the limit is {max_bytes}).")
    body = _read_exactly(environ["wsgi.input"], length)
    if len(body) < length:
        raise BadRequest(400, "The request body ended early.")
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                       encoding="utf-8", errors="strict", max_num_fields=20)
    except ValueError:  # UnicodeDecodeError, or too many fields
        raise BadRequest(400, "The form data could not be read (not UTF-8, or too many fields).")
    fields = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


def _read_exactly(stream, length: int) -> bytes:
    # read(n) may return fewer bytes than asked for; stop at EOF.
    chunks, remaining = [], length
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


@dataclasses.dataclass(frozen=True)
class EntryForm:
    name: str = ""
    message: str = ""


def validate_entry(fields: dict):
    """(EntryForm with the cleaned values, {field: message}); no errors means storable."""
    name = fields.get("name", "").strip()
    # Browsers send textarea line breaks as CRLF (HTML's form submission rules).
    message = fields.get("message", "").replace("\r\n", "\n").strip()
    errors = {}
    if not name:
        errors["name"] = "Please tell us your name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Your name is {len(name)} characters long; the limit is {NAME_MAX}."
    elif _has_control_chars(name, allowed=""):
        errors["name"] = "Your name cannot contain line breaks or control characters."
    if not message:
        errors["message"] = "Please write a message."
    elif len(message) > MESSAGE_MAX:
        errors["message"] = (f"Your message is {len(message)} characters long;"
                             f" the limit is {MESSAGE_MAX}.")
    elif _has_control_chars(message, allowed="\n\t"):
        errors["message"] = "Your message cannot contain control characters."
    return EntryForm(name, message), errors


def _has_control_chars(text: str, allowed: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)
