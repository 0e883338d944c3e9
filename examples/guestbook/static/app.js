// Guestbook: a live character counter for the message field.
//
// Every <textarea data-counter="ID"> updates the element with that id to "used / max" as
// the visitor types, and marks it when the text is near or over the limit. Progressive
// enhancement only: the form works without JavaScript and the server checks lengths anyway.
// Loaded with `defer`, so the document is parsed when this runs.
"use strict";

(function () {
  // Count code points, as the server does (Python's len()), not UTF-16 units: an emoji is
  // one character to the visitor.
  function length(text) {
    return Array.from(text).length;
  }

  function attachCounter(field) {
    var counter = document.getElementById(field.dataset.counter);
    var max = Number(field.getAttribute("maxlength"));
    if (!counter || !max) {
      return;
    }
    function update() {
      var used = length(field.value);
      counter.textContent = used + " / " + max;
      counter.classList.toggle("counter--near", used >= max * 0.9 && used <= max);
      counter.classList.toggle("counter--over", used > max);
    }
    field.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea[data-counter]").forEach(attachCounter);
})();
