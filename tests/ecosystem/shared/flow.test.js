// A login flow, tested as an app tests its own session handling: a memory
// store, a fixed clock and a browser's cookie jar from edge-session/testing.
// The same file runs under Vitest in Node and in Chromium (browser mode).
import { expect, test } from "vitest";
import { loadSession, saveSession } from "edge-session";
import { cookieJar, fixedClock, memoryStore } from "edge-session/testing";

const clock = fixedClock();
const options = {
  secrets: ["a test secret of at least 32 bytes!!"],
  store: memoryStore({ now: clock }),
  cookie: { name: "session", secure: false },
  now: clock,
};

/** One request: load with the jar's cookies, run the handler, keep its Set-Cookie. */
async function request(jar, handler) {
  const session = await loadSession(jar.header(), options);
  const result = await handler(session);
  jar.apply(await saveSession(session));
  return result;
}

test("login, a flash read once after the redirect, logout", async () => {
  const browser = cookieJar({ now: clock });
  await request(browser, (s) => {
    s.regenerate().set("user", "ada");
    s.flash("notice", "Welcome back");
  });
  expect(await request(browser, (s) => s.flash("notice"))).toBe("Welcome back");
  expect(await request(browser, (s) => s.flash("notice"))).toBeUndefined();
  clock.advance(60 * 60 * 1000);
  expect(await request(browser, (s) => s.get("user"))).toBe("ada");
  await request(browser, (s) => s.destroy());
  expect(browser.header()).toBe("");
  expect(await request(browser, (s) => s.status)).toBe("new");
});
