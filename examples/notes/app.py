"""Notes: a small FastAPI app served by paasrun's ASGI worker (docs/asgi.md).

The lifespan opens the store (an SQLite file in $PAASRUN_DATA_DIR, else the app dir) before
the worker reports ready, and closes it on drain. /static/ is served by paasrun's C++ front
end without touching Python (paasrun.yaml `static:`).

/ws/feed is a WebSocket live feed (the page at / uses it, static/notes.js): it sends the
notes so far, then every new note as it is added, and takes new notes from the client too.
A note added on this worker reaches this worker's feeds at once; each feed also looks in the
database once a second, so notes added through another worker (or process) arrive as well.
"""
import asyncio
import contextlib
import os
import sqlite3

from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

DB_PATH = os.environ.get("NOTES_DB") or os.path.join(os.environ.get("PAASRUN_DATA_DIR", "."), "notes.sqlite3")


class Note(BaseModel):
    text: str


app = FastAPI(title="notes")
store = {}
feeds = set()  # this worker's open /ws/feed connections
POLL_SECONDS = 1.0

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>notes</title>
<link rel="stylesheet" href="/static/notes.css">
<h1>Notes</h1>
<form id="add"><input id="text" autocomplete="off" placeholder="a note"> <button>Add</button></form>
<p id="status">connecting…</p>
<ul id="notes"></ul>
<script src="/static/notes.js"></script>
"""


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
    return PAGE


def notes_after(last_id):
    rows = store["db"].execute("SELECT id, text FROM notes WHERE id > ? ORDER BY id", (last_id,)).fetchall()
    return [{"id": i, "text": t} for i, t in rows]


def insert(text):
    db = store["db"]
    cur = db.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    db.commit()
    return {"id": cur.lastrowid, "text": text}


async def send_note(ws, note):
    # Each feed sends a note once, whether it came from this worker or the database poll.
    if note["id"] > ws.state.last_id:
        ws.state.last_id = note["id"]
        await ws.send_json({"type": "note", "note": note})


async def publish(note):
    for ws in list(feeds):
        with contextlib.suppress(Exception):  # a feed that just went away
            await send_note(ws, note)


@app.get("/notes")
async def list_notes():
    rows = store["db"].execute("SELECT id, text FROM notes ORDER BY id").fetchall()
    return [{"id": i, "text": t} for i, t in rows]


@app.post("/notes", status_code=201)
async def add_note(note: Note):
    if not note.text.strip():
        raise HTTPException(status_code=422, detail="empty note")
    added = insert(note.text)
    await publish(added)
    return added


@app.websocket("/ws/feed")
async def feed(websocket: WebSocket):
    await websocket.accept()
    notes = notes_after(0)
    await websocket.send_json({"type": "snapshot", "notes": notes})
    websocket.state.last_id = notes[-1]["id"] if notes else 0
    feeds.add(websocket)
    try:
        while True:
            try:
                message = await asyncio.wait_for(websocket.receive_json(), POLL_SECONDS)
            except asyncio.TimeoutError:
                # Notes added through other workers: everything newer than what this feed sent.
                for note in notes_after(websocket.state.last_id):
                    await send_note(websocket, note)
                continue
            text = str(message.get("text", "")).strip()
            if not text:
                await websocket.send_json({"type": "error", "detail": "empty note"})
                continue
            await publish(insert(text))
    except WebSocketDisconnect:
        pass
    finally:
        feeds.discard(websocket)
