"""The guestbook example's library code; the top-level scripts are its entry points:

  app.py        the WSGI application (`web: paasrun serve app:application`)
  migrate.py    the release phase (`release: python3 migrate.py`)
  worker.py     the background worker (`worker: python3 worker.py`)

Modules here: db (where the database is, connections, queries), migrations (the versioned
schema), forms (reading and validating the POSTed form), pages (HTML), moderation (the
banned-word rule the worker applies). Standard library only.
"""
