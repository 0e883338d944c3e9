// The notes page's live feed: one WebSocket to /ws/feed (served by paasrun's C++ front end,
// the FastAPI route runs in the worker's event loop). Plain JS, no CDN, no build step.
(function () {
  "use strict";
  var list = document.getElementById("notes");
  var status = document.getElementById("status");
  var form = document.getElementById("add");
  var input = document.getElementById("text");
  var seen = {};
  var socket = null;
  var retry = 500;

  function show(note) {
    if (seen[note.id]) return;
    seen[note.id] = true;
    var li = document.createElement("li");
    li.textContent = note.text;  // text, never HTML
    li.dataset.id = note.id;
    list.appendChild(li);
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/feed");
    socket.onopen = function () {
      status.textContent = "live";
      retry = 500;
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "snapshot") message.notes.forEach(show);
      else if (message.type === "note") show(message.note);
      else if (message.type === "error") status.textContent = message.detail;
    };
    socket.onclose = function () {
      // A deploy closes feeds with 1001 (going away): reconnect to the new release.
      status.textContent = "reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ text: text }));
    input.value = "";
  });

  connect();
})();
