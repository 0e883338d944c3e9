"""The guestbook's HTML. Every value that did not come from this file goes through esc()
(html.escape with quote=True, so it is safe in text and in quoted attribute values).

The pages use no inline script or style, so the app can send a strict
Content-Security-Policy (default-src 'self'); behaviour lives in /static/app.js.
"""
from html import escape as esc

from guestbook.forms import MESSAGE_MAX, NAME_MAX, EntryForm

STATUS_LABELS = {"pending": "awaiting moderation"}


def layout(title: str, main_html: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="site-header"><a href="/">Guestbook</a></header>
<main>
{main_html}
</main>
<footer class="site-footer">Served by paasrun &middot; <a href="/api/entries">JSON</a></footer>
</body>
</html>
"""


def index(entries, form: EntryForm = EntryForm(), errors=None, notice: str = "") -> str:
    errors = errors or {}
    parts = ["<h1>Sign the guestbook</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{esc(notice)}</p>')
    if errors:
        parts.append('<p class="notice notice--error" role="alert">'
                     "Your entry was not saved. Please fix the marked fields.</p>")
    parts.append(_form(form, errors))
    parts.append(_entry_list(entries))
    return layout("Guestbook", "\n".join(parts))


def _form(form: EntryForm, errors: dict) -> str:
    return f"""<form class="entry-form" method="post" action="/">
  <div class="field{_invalid(errors, 'name')}">
    <label for="name">Name</label>
    <input id="name" name="name" maxlength="{NAME_MAX}" required autocomplete="name"
           value="{esc(form.name)}"{_described(errors, 'name')}>
    {_error(errors, 'name')}
  </div>
  <div class="field{_invalid(errors, 'message')}">
    <label for="message">Message</label>
    <textarea id="message" name="message" rows="4" maxlength="{MESSAGE_MAX}" required
              data-counter="message-counter"{_described(errors, 'message')}>{esc(form.message)}</textarea>
    <span class="counter" id="message-counter" aria-live="polite">{len(form.message)} / {MESSAGE_MAX}</span>
    {_error(errors, 'message')}
  </div>
  <button type="submit">Sign</button>
</form>"""


def _invalid(errors, field):
    return " field--invalid" if field in errors else ""


def _described(errors, field):
    return f' aria-invalid="true" aria-describedby="{field}-error"' if field in errors else ""


def _error(errors, field):
    if field not in errors:
        return ""
    return f'<span class="field-error" id="{field}-error">{esc(errors[field])}</span>'


def _entry_list(entries) -> str:
    if not entries:
        return '<section class="entries"><h2>Entries</h2><p class="empty">No entries yet. Be the first!</p></section>'
    items = "\n".join(_entry(e) for e in entries)
    return f'<section class="entries"><h2>Entries</h2>\n<ol class="entry-list">\n{items}\n</ol></section>'


def _entry(entry) -> str:
    label = STATUS_LABELS.get(entry.status)
    badge = f' <span class="badge">{esc(label)}</span>' if label else ""
    return (f'<li class="entry entry--{esc(entry.status)}" id="entry-{entry.id}">'
            f'<p class="entry-meta"><strong>{esc(entry.name)}</strong>'
            f' <time datetime="{esc(entry.created_at)}">{esc(_readable_time(entry.created_at))}</time>{badge}</p>'
            f'<p class="entry-message">{esc(entry.message)}</p></li>')


def _readable_time(iso: str) -> str:
    # "2024-05-01T12:34:56Z" -> "2024-05-01 12:34 UTC"; anything else is shown as stored.
    if len(iso) == 20 and iso[10] == "T" and iso.endswith("Z"):
        return f"{iso[:10]} {iso[11:16]} UTC"
    return iso


def error_page(title: str, message: str) -> str:
    return layout(title, f'<h1>{esc(title)}</h1>\n<p>{esc(message)}</p>\n<p><a href="/">Back to the guestbook</a></p>')
