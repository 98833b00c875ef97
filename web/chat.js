// Starts the rasa-webchat widget in #webchat, talking to Rasa's socket.io channel.
// A file, not an inline script: the page's Content-Security-Policy allows only the
// page's own scripts (scripts/web.py). The settings and texts are in index.html.
const settings = JSON.parse(document.getElementById("webchat-settings").textContent);
window.WebChat.default(
  { ...settings, socketUrl: window.FAQ_BOT.socketUrl },
  document.getElementById("webchat"),
);
