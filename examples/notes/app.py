"""Notes: a small FastAPI app served by paasrun's ASGI worker (docs/asgi.md).

The lifespan opens the store (an SQLite file in $PAASRUN_DATA_DIR, else the app dir) before
the worker reports ready, and closes it on drain. /static/ is served by paasrun's C++ front
end without touching Python (paasrun.yaml `static:`).
"""
import contextlib
import os
import sqlite3

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

DB_PATH = os.environ.get("NOTES_DB") or os.path.join(os.environ.get("PAASRUN_DATA_DIR", "."), "notes.sqlite3")


class Note(BaseModel):
    text: str


app = FastAPI(title="notes")
store = {}


@app.on_event("startup")
def open_store():
    os.makedirs(os.path.dirname(os.path.abspath(DB_PATH)), exist_ok=True)
    db = sqlite3.connect(DB_PATH, check_same_thread=False)
    db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    db.commit()
    store["db"] = db


@app.on_event("shutdown")
def close_store():
    with contextlib.suppress(KeyError):
        store.pop("db").close()


@app.get("/healthz")
async def healthz():
    return {"ok": "db" in store}


@app.get("/", response_class=HTMLResponse)
async def index():
    return '<!doctype html><title>notes</title><link rel="stylesheet" href="/static/notes.css"><h1>Notes</h1>'


@app.get("/notes")
async def list_notes():
    rows = store["db"].execute("SELECT id, text FROM notes ORDER BY id").fetchall()
    return [{"id": i, "text": t} for i, t in rows]


@app.post("/notes", status_code=201)
async def add_note(note: Note):
    if not note.text.strip():
        raise HTTPException(status_code=422, detail="empty note")
    db = store["db"]
    cur = db.execute("INSERT INTO notes (text) VALUES (?)", (note.text,))
    db.commit()
    return {"id": cur.lastrowid, "text": note.text}
