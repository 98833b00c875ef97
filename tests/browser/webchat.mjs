// Drives the web chat page in Debian's headless Chromium (playwright-core).
// Input: WEBCHAT_TEST (JSON) from tests/test_webchat.py. Exits non-zero on failure.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const cfg = JSON.parse(process.env.WEBCHAT_TEST);
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const TIMEOUT = 30_000;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const blocked = [];
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  // Nothing may leave loopback (the bundle asks for a Google font: blocked here).
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOOPBACK.has(url.hostname)) return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (err) => console.error("page error:", err.message));

  const botTexts = () =>
    page.locator(".rw-response").evaluateAll((els) => els.map((e) => e.innerText.trim()));
  const waitForBotText = async (text) => {
    await page.waitForFunction(
      (t) => [...document.querySelectorAll(".rw-response")].some((e) => e.innerText.trim() === t),
      text,
      { timeout: TIMEOUT },
    );
  };
  const ask = async (text) => {
    const input = page.locator(".rw-new-message");
    await input.fill(text);
    await input.press("Enter");
  };

  await page.goto(cfg.url);
  await waitForBotText(cfg.greeting); // initPayload /greet
  await waitForBotText(cfg.menuPrompt); // ...and the questions, shown one after the other
  for (const { question, answer } of cfg.typed) {
    await ask(question);
    await waitForBotText(answer);
    console.log(`typed ${JSON.stringify(question)}: exact answer shown`);
  }

  await ask(cfg.help.question);
  await waitForBotText(cfg.help.text);
  const replies = page.locator(".rw-reply");
  await replies.first().waitFor();
  const titles = await replies.allInnerTexts();
  assert.deepEqual(titles.slice(-cfg.help.buttons.length).map((t) => t.trim()), cfg.help.buttons);
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
  const external = blocked.filter((u) => !u.startsWith("https://fonts.googleapis.com/"));
  assert.deepEqual(external, [], "requests left loopback");
  console.log(`blocked ${blocked.length} request(s) to the Google font; screenshot ${cfg.screenshot}`);
  console.log("WEBCHAT OK");
} finally {
  await browser.close();
}
