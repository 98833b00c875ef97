// Starts the rasa-webchat widget in #webchat, talking to Rasa's socket.io channel.
// A file, not an inline script: the page's Content-Security-Policy allows only the
// page's own scripts (scripts/web.py). The settings and texts are in index.html.
const settings = JSON.parse(document.getElementById("webchat-settings").textContent);
let widget = null;
window.WebChat.default(
  {
    ...settings,
    socketUrl: window.FAQ_BOT.socketUrl,
    // The browser's language: the bot's first hint until the conversation has one
    // (actions/language.py), sent as metadata with every message.
    customData: { language_hint: navigator.language || "" },
    innerRef: (ref) => {
      widget = ref;
    },
  },
  document.getElementById("webchat"),
);

// The language switch: the button's payload sets the conversation's language
// (channels/inbound.py lets exactly this payload through).
const switches = document.querySelectorAll("#languages button");
for (const button of switches) {
  button.addEventListener("click", () => {
    if (!widget) return;
    const language = button.dataset.language;
    widget.sendMessage(`/set_language{"language": "${language}"}`, button.textContent);
    for (const other of switches) other.setAttribute("aria-pressed", String(other === button));
  });
}
