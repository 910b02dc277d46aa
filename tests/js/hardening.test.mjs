// Proofs for the security review (issue 16) as an application sees them:
// a cut-off for legacy cookies (item 8), the key-id collision message (item 9)
// and the cookie name length bound (item 10a).
// Run after `make package`: node --test tests/js/hardening.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { loadSession, saveSession, SessionError } from "../../pkg/node.js";

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
