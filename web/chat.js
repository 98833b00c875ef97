// Starts the rasa-webchat widget in #webchat, talking to Rasa's socket.io channel,
// and keeps the page in one language: the switch's last choice, else the browser's
// language if the bot speaks it, else English.
// A file, not an inline script: the page's Content-Security-Policy allows only the
// page's own scripts (scripts/web.py). The widget's settings, and every text in
// every language (content/web.yml, put in by scripts/web_texts.py), are JSON
// blocks in index.html. This runs before webchat.js, and starts the widget once
// the page (webchat.js included) is parsed.
const settings = JSON.parse(document.getElementById("webchat-settings").textContent);
const page = JSON.parse(document.getElementById("page-texts").textContent);
const container = document.getElementById("webchat");
const switches = document.querySelectorAll("#languages button");
// The switch's last choice. The widget keeps its session in localStorage too: a
// reload resumes the conversation, and the page stays in its language.
const STORED_LANGUAGE = "faq_language";

// As bot/languages.py's supported(): "ru-RU" and "RU" are "ru"; null for a
// language the bot does not speak.
function supported(code) {
  const base = String(code || "").trim().toLowerCase().replace(/_/g, "-").split("-")[0];
  return page.languages.includes(base) ? base : null;
}

// localStorage throws where the browser keeps no site data: the page then
// forgets the choice on reload.
function storedLanguage() {
  try {
    return localStorage.getItem(STORED_LANGUAGE);
  } catch {
    return null;
  }
}

function storeLanguage(code) {
  try {
    localStorage.setItem(STORED_LANGUAGE, code);
  } catch {
    // not kept: see storedLanguage
  }
}

let language = supported(storedLanguage()) || supported(navigator.language) || page.default;
const text = (name) => page.texts[name][language];

// The page's language is the bot's hint until the conversation has one
// (actions/language.py), sent as metadata with every message. The widget keeps
// this object and sends it as it is at each message: the switch updates it, so a
// conversation that starts after "forget me" starts in the page's language.
const customData = { language_hint: language };
let widget = null;
const keepRef = (ref) => {
  widget = ref;
};

// The widget's texts in the page's language. Rendering the widget again with new
// props updates it in place (React keeps its socket and store): the title,
// subtitle and placeholder follow. Not connectingText: the widget copies it into
// its store once (and restores it from a saved session), so writeReconnecting
// writes the bar's text.
function widgetProps() {
  return {
    ...settings,
    socketUrl: window.FAQ_BOT.socketUrl,
    customData,
    title: text("title"),
    subtitle: text("subtitle"),
    inputTextFieldHint: text("placeholder"),
    connectingText: text("reconnecting"),
    innerRef: keepRef,
  };
}

// The bar the widget shows while its socket is down (.rw-loading), in the page's
// language. Only a differing text is written, so the observer below stops.
function writeReconnecting() {
  for (const bar of container.querySelectorAll(".rw-loading")) {
    const node = bar.firstChild;
    if (bar.childNodes.length === 1 && node.nodeType === Node.TEXT_NODE) {
      // React's own text node: the widget can still update it.
      if (node.data !== text("reconnecting")) node.data = text("reconnecting");
    } else if (bar.textContent !== text("reconnecting")) {
      bar.textContent = text("reconnecting");
    }
  }
}
new MutationObserver(writeReconnecting).observe(container, {
  childList: true,
  subtree: true,
  characterData: true,
});

// Everything on the page outside the widget: the <html lang>, the title, each
// element's data-text and data-label, and which button of the switch is pressed.
function showLanguage() {
  document.documentElement.lang = language;
  document.title = text("title");
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = text(element.dataset.text);
  }
  for (const element of document.querySelectorAll("[data-label]")) {
    element.setAttribute("aria-label", text(element.dataset.label));
  }
  for (const button of switches) {
    button.setAttribute("aria-pressed", String(button.dataset.language === language));
  }
  writeReconnecting();
}

// rasa-webchat's entry point renders the widget into the element (at the window's
// load event, or at once if it has passed).
const renderWidget = () => window.WebChat.default(widgetProps(), container);

// The language switch: the button's payload sets the conversation's language
// (channels/inbound.py lets exactly this payload through), and the page follows.
for (const button of switches) {
  button.addEventListener("click", () => {
    if (!widget) return;
    language = button.dataset.language;
    storeLanguage(language);
    customData.language_hint = language;
    widget.sendMessage(`/set_language{"language": "${language}"}`, button.textContent);
    showLanguage();
    renderWidget();
  });
}

showLanguage();
document.addEventListener("DOMContentLoaded", renderWidget);
