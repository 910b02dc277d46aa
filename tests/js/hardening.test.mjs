// Proofs for the security review (issue 16) as an application sees them:
// the absolute lifetime (item 1), clocks that fail closed (item 2), a store
// prefix with a space (item 3), a bounded maxBytes (item 5), a cut-off for
// legacy cookies (item 8), the key-id collision message (item 9) and the
// cookie name length bound (item 10a).
// Run after `make package`: node --test tests/js/hardening.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { loadSession, memoryStore, saveSession, SessionError } from "../../pkg/formats/node.js";

const SECRET = "hardening-test native secret, 32+ bytes";
const REMIX = { secrets: ["react-router-secret"] };
const T = Date.UTC(2026, 11, 1); // when the old app wrote its cookie
const DAY = 86_400_000;

/** A React Router cookie holding {user: "ann"}, as edge-session writes the format. */
async function remixCookie() {
  const options = { format: "remix", remix: REMIX, cookie: { name: "__session", secure: false }, now: () => T };
  const s = await loadSession("", options);
  s.set("user", "ann");
  const [line] = await saveSession(s);
  return line.split(";")[0];
}

const migrate = (now, notAfter) => ({
  secrets: [SECRET],
  now: () => now,
  legacy: [{ format: "remix", cookie: { name: "__session" }, remix: REMIX, ...(notAfter === undefined ? {} : { notAfter }) }],
});

describe("legacy notAfter", () => {
  test("without it, a React Router cookie migrates years later", async () => {
    const s = await loadSession(await remixCookie(), migrate(T + 3650 * DAY));
    assert.equal(s.status, "valid");
    assert.equal(s.migratedFrom, "remix");
  });

  for (const [kind, cutOff] of [
    ["a Date", new Date(T + 30 * DAY)],
    ["ms", T + 30 * DAY],
  ]) {
    test(`as ${kind}: valid up to it, expired after it`, async () => {
      const cookie = await remixCookie();
      const before = await loadSession(cookie, migrate(T + 30 * DAY, cutOff));
      assert.equal(before.status, "valid");
      assert.equal(before.get("user"), "ann");
      for (const now of [T + 30 * DAY + 1000, T + 3650 * DAY]) {
        const after = await loadSession(cookie, migrate(now, cutOff));
        assert.equal(after.status, "expired");
        assert.equal(after.reason, "expired");
        assert.equal(after.migratedFrom, undefined);
        assert.deepEqual(after.toJSON(), {});
      }
      // The first write after the cut-off clears the old cookie.
      const after = await loadSession(cookie, migrate(T + 31 * DAY, cutOff));
      after.set("n", 1);
      const lines = await saveSession(after);
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(lines[1], /^__session=; /);
    });
  }

  for (const [value, why] of [
    ["2027-01-01", "a string"],
    [new Date("not a date"), "an invalid Date"],
    [Number.NaN, "NaN"],
    [-1, "negative (refused by the core)"],
    [Number.POSITIVE_INFINITY, "infinite"],
  ]) {
    test(`refused: ${why}`, async () => {
      await assert.rejects(loadSession("", migrate(T, value)), (e) => {
        assert.ok(e instanceof SessionError, String(e));
        assert.equal(e.code, "invalid_option");
        assert.equal(e.option, "legacy[0].notAfter");
        assert.match(e.message, /legacy\[0\]\.notAfter/);
        return true;
      });
    });
  }
});

test("two secrets whose key ids collide: a message that says so", async () => {
  // Different secrets with the same 4-byte key id (found by a birthday search).
  const secrets = ["key-id-collision-test-secret-00056677", "key-id-collision-test-secret-00061033"];
  await assert.rejects(loadSession("", { secrets }), (e) => {
    assert.equal(e.option, "secrets");
    assert.match(e.message, /same key id/);
    assert.match(e.message, /either one works alone/);
    assert.doesNotMatch(e.message, /repeat/);
    return true;
  });
  for (const one of secrets) assert.equal((await loadSession("", { secrets: [one] })).status, "new");
});

test("a cookie name over 1024 bytes is refused up front", async () => {
  const cookie = (n) => ({ name: "s".repeat(n), secure: false });
  assert.equal((await loadSession("", { secrets: [SECRET], cookie: cookie(1024) })).status, "new");
  await assert.rejects(loadSession("", { secrets: [SECRET], cookie: cookie(1025) }), (e) => {
    assert.equal(e.option, "cookie.name");
    assert.match(e.message, /1024 bytes/);
    return true;
  });
  await assert.rejects(loadSession("", { secrets: [SECRET], cookie: cookie(70_000) }), { option: "cookie.name" });
});

describe("absoluteTimeout", () => {
  test("rolling touches never carry a session past its absolute lifetime; a new login restarts it", async () => {
    let now = T;
    const options = { secrets: [SECRET], rolling: true, touchAfter: 60, maxAge: 3600, absoluteTimeout: 8 * 3600, now: () => now };
    let s = await loadSession("", options);
    s.set("user", "ann");
    let cookie = (await saveSession(s))[0].split(";")[0];
    let lived = 0;
    for (;;) {
      now += 30 * 60_000; // a request every half hour re-issues the cookie
      s = await loadSession(cookie, options);
      if (s.status !== "valid") break;
      lived = now - T;
      const [line] = await saveSession(s);
      assert.ok(line, "re-issued");
      const maxAge = Number(/Max-Age=(\d+)/.exec(line)[1]);
      assert.ok(now / 1000 + maxAge <= T / 1000 + 8 * 3600, "Max-Age stops at the deadline");
      cookie = line.split(";")[0];
    }
    // The cookie's own expiry (capped at the deadline) or the deadline itself.
    assert.equal(s.status, "expired");
    assert.ok(["expired", "absolute_timeout"].includes(s.reason), s.reason);
    assert.ok(lived < 8 * 3600_000 && lived >= 7 * 3600_000, `lived ${lived / 3600_000} h`);
    s.set("user", "ann").regenerate();
    const fresh = (await saveSession(s))[0].split(";")[0];
    now += 30 * 60_000;
    assert.equal((await loadSession(fresh, options)).status, "valid");
  });

  test("the default is 30 days, and a bad value names the option", async () => {
    let now = T;
    const options = { secrets: [SECRET], rolling: true, touchAfter: 3600, now: () => now };
    const s = await loadSession("", options);
    s.set("n", 1);
    let cookie = (await saveSession(s))[0].split(";")[0];
    for (let day = 1; day <= 31; day++) {
      now += DAY;
      const t = await loadSession(cookie, options);
      if (day < 30) assert.equal(t.status, "valid", `day ${day}`);
      else {
        assert.equal(t.status, "expired", `day ${day}`);
        break;
      }
      cookie = (await saveSession(t))[0].split(";")[0];
    }
    await assert.rejects(loadSession("", { secrets: [SECRET], absoluteTimeout: 0 }), (e) => e.option === "absoluteTimeout");
  });
});

describe("clocks that fail closed", () => {
  for (const [name, now] of [
    ["performance.now()", () => performance.now()],
    ["NaN", () => Number.NaN],
    ["a negative time", () => -1],
    ["seconds instead of milliseconds", () => Math.floor(Date.now() / 1000)],
  ]) {
    test(`${name}: an expired cookie is never read as valid; the error names the option`, async () => {
      const s = await loadSession("", { secrets: [SECRET], maxAge: 60, now: () => T });
      s.set("n", 1);
      const cookie = (await saveSession(s))[0].split(";")[0];
      await assert.rejects(loadSession(cookie, { secrets: [SECRET], now }), (e) => {
        assert.ok(e instanceof SessionError);
        assert.equal(e.code, "invalid_option");
        assert.equal(e.option, "now");
        return true;
      });
      // A clock that breaks between load and save: the save is refused too.
      let broken = false;
      const flaky = await loadSession("", { secrets: [SECRET], now: () => (broken ? now() : T) });
      flaky.set("n", 2);
      broken = true;
      await assert.rejects(saveSession(flaky), (e) => e.code === "invalid_option" && e.option === "now");
    });
  }
});

test("a store prefix with spaces: spilled sessions load on the wasm path", async () => {
  const store = memoryStore();
  const options = { secrets: [SECRET], store, storePrefix: "my app: sessions " };
  const s = await loadSession("", options);
  s.set("big", "x".repeat(6000));
  const cookie = (await saveSession(s))[0].split(";")[0];
  assert.ok([...store.map.keys()][0].startsWith("my app: sessions "));
  const back = await loadSession(cookie, options);
  assert.equal(back.status, "valid");
  assert.equal(back.get("big").length, 6000);
});

test("limits.maxBytes is bounded: a huge value is refused, naming the option", async () => {
  for (const maxBytes of [2 ** 29, 2 ** 40, Number.MAX_SAFE_INTEGER, 63]) {
    await assert.rejects(loadSession("", { secrets: [SECRET], limits: { maxBytes } }), (e) => {
      assert.equal(e.code, "invalid_option");
      assert.equal(e.option, "limits.maxBytes");
      return true;
    });
  }
  assert.equal((await loadSession("", { secrets: [SECRET], limits: { maxBytes: 16 * 1024 * 1024 } })).status, "new");
});
