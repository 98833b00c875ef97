// Drives the web chat page in Debian's headless Chromium (playwright-core).
// Input: WEBCHAT_TEST (JSON) from tests/test_webchat.py; cfg.flow picks the run:
// "conversation" (type, click, reload), "reconnect" (Rasa stopped and restarted) or
// "languages" (the page's texts in the browser's language, then in each one chosen).
// When the test must act, this prints "ACTION <name>" and waits for "done" on stdin.
// Exits non-zero on failure.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import readline from "node:readline";

const cfg = JSON.parse(process.env.WEBCHAT_TEST);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const TIMEOUT = 30_000;
const stdin = readline.createInterface({ input: process.stdin });
const stdinLines = stdin[Symbol.asyncIterator]();

async function testAction(name) {
  console.log(`ACTION ${name}`);
  const { value } = await stdinLines.next();
  assert.equal(value, "done", `the test did not ${name}`);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const blocked = [];
const violations = [];

// A page in a browser of its own (its own localStorage), whose language is
// ``locale`` (navigator.language; the browser's default when undefined).
async function newPage(locale) {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 }, locale });
  // Nothing may leave loopback: a request to any other host fails the run.
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  // What the page's Content-Security-Policy stopped (across reloads).
  await context.exposeFunction("reportViolation", (v) => violations.push(v));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      window.reportViolation({ directive: e.violatedDirective, blocked: e.blockedURI }));
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (err) => console.error("page error:", err.message));
  return page;
}

// What the page says outside the bot's messages (content/web.yml), and which
// button of the language switch is pressed.
const pageTexts = (page) =>
  page.evaluate(() => {
    const text = (selector) => document.querySelector(selector)?.textContent.trim() ?? null;
    return {
      lang: document.documentElement.lang,
      title: document.title,
      header: text("header h1"),
      description: text("header p"),
      switchLabel: document.getElementById("languages").getAttribute("aria-label"),
      widgetTitle: text(".rw-header .rw-title"),
      subtitle: text(".rw-header > span"),
      placeholder: document.querySelector(".rw-new-message")?.placeholder ?? null,
      pressed: [...document.querySelectorAll("#languages button[aria-pressed=true]")]
        .map((button) => button.dataset.language),
    };
  });
// The page says cfg.pages[code] (within TIMEOUT: the widget renders after load).
async function expectPageIn(page, code) {
  const want = cfg.pages[code];
  const deadline = Date.now() + TIMEOUT;
  let shown = await pageTexts(page);
  while (JSON.stringify(shown) !== JSON.stringify(want) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    shown = await pageTexts(page);
  }
  assert.deepEqual(shown, want, `the page in ${code}`);
}

try {
  const page = await newPage(cfg.locale);

  const botTexts = () =>
    page.locator(".rw-response").evaluateAll((els) => els.map((e) => e.innerText.trim()));
  const waitForBotText = async (text) => {
    try {
      await page.waitForFunction(
        (t) => [...document.querySelectorAll(".rw-response")].some((e) => e.innerText.trim() === t),
        text,
        { timeout: TIMEOUT },
      );
    } catch (error) {
      // What the bot said instead: the failure names both.
      const said = JSON.stringify(await botTexts(), null, 1);
      throw new Error(`the bot did not say ${JSON.stringify(text)}; it said ${said}`, { cause: error });
    }
  };
  const ask = async (text) => {
    const input = page.locator(".rw-new-message");
    await input.fill(text);
    await input.press("Enter");
  };

  const response = await page.goto(cfg.url);
  const headers = response.headers();
  const served = Object.fromEntries(Object.keys(cfg.headers).map((name) => [name, headers[name]]));
  assert.deepEqual(served, cfg.headers, "the page's security headers");
  await waitForBotText(cfg.greeting); // initPayload /greet
  await waitForBotText(cfg.menuPrompt); // ...and the questions, shown one after the other

  if (cfg.flow === "conversation") {
    // The first minute: the page greets on its own, with the questions as buttons,
    // and the chat fills the page under its header.
    const menu = cfg.menuButtons;
    const greetingButtons = async () => {
      const buttons = (await page.locator(".rw-reply").all()).slice(0, menu.length);
      const shown = [];
      for (const button of buttons) if (await button.isVisible()) shown.push((await button.innerText()).trim());
      return shown;
    };
    await page.locator(".rw-reply").nth(menu.length - 1).waitFor();
    assert.deepEqual(await greetingButtons(), menu, "the greeting offers the questions as buttons");
    const chat = await page.locator(".rw-conversation-container").boundingBox();
    const { height } = page.viewportSize();
    assert.ok(chat.y < 0.2 * height && chat.y + chat.height > 0.9 * height,
      `the chat fills the page: ${JSON.stringify(chat)} in a ${height} px window`);
    console.log("greeted on opening, with the questions as buttons; the chat fills the page");

    for (const { question, answer } of cfg.typed) {
      await ask(question);
      await waitForBotText(answer);
      console.log(`typed ${JSON.stringify(question)}: exact answer shown`);
    }
    // "You can ask me any of these questions" still has its questions under it.
    assert.deepEqual(await greetingButtons(), menu, "the greeting's buttons are gone");
    console.log("the greeting's questions are still shown after the conversation went on");

    await ask(cfg.help.question);
    await waitForBotText(cfg.help.text);
    // The help reply's questions arrive as the latest buttons (earlier ones stay).
    const replies = page.locator(".rw-reply");
    await page.waitForFunction(
      (menu) => {
        const titles = [...document.querySelectorAll(".rw-reply")].map((e) => e.innerText.trim());
        return JSON.stringify(titles.slice(-menu.length)) === JSON.stringify(menu);
      },
      cfg.help.buttons,
      { timeout: TIMEOUT },
    );
    await replies.filter({ hasText: cfg.click.question }).last().click();
    await waitForBotText(cfg.click.answer);
    console.log(`clicked ${JSON.stringify(cfg.click.question)}: exact answer shown`);

    const before = await botTexts();
    await page.reload();
    for (const { answer } of [...cfg.typed, cfg.click]) await waitForBotText(answer);
    const after = await botTexts();
    for (const text of before) assert.ok(after.includes(text), `lost after reload: ${text}`);
    console.log(`reload kept ${after.length} bot messages`);
    await page.screenshot({ path: cfg.screenshot, fullPage: true });

    // The help menu's last button erases the conversation; the bot confirms.
    await page.locator(".rw-reply").filter({ hasText: cfg.forget.button }).last().click();
    await waitForBotText(cfg.forget.reply);
    console.log(`clicked ${JSON.stringify(cfg.forget.button)}: the bot confirmed`);

    // The language switch: the bot greets again in Russian, with the questions in
    // Russian, and answers a Russian question and a Russian button in Russian.
    const lang = cfg.language;
    await page.locator(`#languages button[data-language="${lang.code}"]`).click();
    await waitForBotText(lang.greeting);
    await waitForBotText(lang.menuPrompt);
    await page.waitForFunction(
      (menu) => {
        const titles = [...document.querySelectorAll(".rw-reply")].map((e) => e.innerText.trim());
        return JSON.stringify(titles.slice(-menu.length)) === JSON.stringify(menu);
      },
      lang.buttons,
      { timeout: TIMEOUT },
    );
    const pressed = await page.locator("#languages button[aria-pressed=true]").innerText();
    assert.equal(pressed.trim(), lang.code.toUpperCase(), "the switch shows the language chosen");
    console.log(`switched to ${lang.code}: greeted with the questions in that language`);
    await ask(lang.typed.question);
    await waitForBotText(lang.typed.answer);
    console.log(`typed ${JSON.stringify(lang.typed.question)}: exact ${lang.code} answer shown`);
    await page.locator(".rw-reply").filter({ hasText: lang.click.question }).last().click();
    await waitForBotText(lang.click.answer);
    console.log(`clicked ${JSON.stringify(lang.click.question)}: exact ${lang.code} answer shown`);
  } else if (cfg.flow === "reconnect") {
    // The bar speaks the language chosen after the widget started (the widget
    // itself keeps the text it started with: web/chat.js rewrites it).
    await page.locator(`#languages button[data-language="${cfg.switchTo.code}"]`).click();
    await waitForBotText(cfg.switchTo.greeting);
    const bar = page.locator(".rw-loading");
    assert.equal(await bar.count(), 0, "a connected widget shows no connecting bar");
    const shown = await botTexts();

    await testAction("stop-rasa");
    await bar.waitFor({ state: "visible" });
    assert.equal((await bar.innerText()).trim(), cfg.reconnecting);
    // The widget and the conversation stay on the page.
    assert.ok(await page.locator(".rw-conversation-container").isVisible(), "the widget vanished");
    assert.deepEqual(await botTexts(), shown);
    console.log("reconnecting shown while Rasa was down");

    await testAction("restart-rasa");
    await bar.waitFor({ state: "detached" });
    await ask(cfg.after.question);
    await waitForBotText(cfg.after.answer);
    console.log(`after the restart: ${JSON.stringify(cfg.after.question)} answered exactly`);
  } else if (cfg.flow === "languages") {
    // The browser's language is one the bot speaks: the page is in it from the
    // start, and the bot greeted in it (waited for above).
    await expectPageIn(page, cfg.initial);
    const buttons = await page.locator("#languages button").evaluateAll((els) =>
      els.map((b) => ({ language: b.dataset.language, label: b.textContent.trim(), title: b.title })));
    assert.deepEqual(buttons, cfg.buttons, "the language switch");
    console.log(`the page opened in the browser's language, ${cfg.initial}`);

    for (const { code, greeting } of cfg.switches) {
      await page.locator(`#languages button[data-language="${code}"]`).click();
      await waitForBotText(greeting);
      await expectPageIn(page, code);
      console.log(`switched to ${code}: the page is in ${code}`);
    }
    const chosen = cfg.switches.at(-1).code;
    await page.reload();
    await expectPageIn(page, chosen);
    console.log(`a reload kept the page in ${chosen}`);

    // A browser in a language the bot does not speak gets the page in English.
    const other = await newPage(cfg.otherLocale);
    await other.goto(cfg.url);
    await expectPageIn(other, "en");
    await other.context().close();
    console.log(`a browser in ${cfg.otherLocale} got the page in English`);
  } else {
    throw new Error(`unknown flow ${cfg.flow}`);
  }

  assert.deepEqual(blocked, [], "requests left loopback");
  const stopped = [...new Set(violations.map((v) => v.blocked))].sort();
  assert.deepEqual(stopped, cfg.cspBlocked, `CSP violations: ${JSON.stringify(violations)}`);
  console.log(`no request left loopback; the CSP stopped ${JSON.stringify(stopped)}`);
  console.log("WEBCHAT OK");
} finally {
  stdin.close(); // else the open stdin keeps node running
  await browser.close();
}
