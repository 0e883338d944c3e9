// The login form: the token is sent once, as a bearer token, to POST /v1/dashboard/session,
// which answers with the HttpOnly session cookie. The token is never stored by the page.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const message = document.getElementById("message");
  const input = document.getElementById("token");
  input.focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    message.textContent = "";
    const token = input.value.trim();
    if (!token) return;
    let res;
    try {
      res = await fetch("/v1/dashboard/session", {
        method: "POST",
        headers: { Authorization: "Bearer " + token },
        credentials: "same-origin",
      });
    } catch (e) {
      message.textContent = "paasrun did not answer: " + e;
      return;
    }
    input.value = "";
    if (res.status === 204) {
      window.location.replace("/dashboard/");
    } else if (res.status === 401) {
      message.textContent = "That is not the admin token.";
    } else {
      message.textContent = "Login failed (HTTP " + res.status + ").";
    }
  });
});
