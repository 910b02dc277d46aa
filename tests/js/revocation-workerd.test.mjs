// Revocation in workerd (Miniflare) with real local Workers KV and with the
// Durable Object store: a copied cookie fails after logout, revokeAll ends
// every session of a user, the session list, and fail-open / fail-closed.
// The rules themselves: tests/revocation.rs; Deno KV: tests/deno/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { testWorker } from "./bundle.mjs";

let mf;

before(async () => {
  mf = await testWorker("revocation-worker.js", {
    durableObjects: { SESSION_DO: "SessionDurableObject" },
    bindings: { SESSION_SECRET: "revocation-workerd-secret-0123456789abcdef" },
  });
});

after(async () => {
  await mf?.dispose();
});

async function send(path, cookie) {
  const res = await mf.dispatchFetch(`http://localhost${path}`, { method: "POST", headers: cookie ? { cookie } : {} });
  const lines = res.headers.getSetCookie();
  return { code: res.status, body: await res.json(), cookie: lines.length ? lines[0].split(";")[0] : cookie, lines };
}

for (const store of ["kv", "do"]) {
  const at = (path, params = {}) => `${path}?${new URLSearchParams({ store, ...params })}`;

  describe(`revocation over ${store === "kv" ? "Workers KV" : "a Durable Object"}`, () => {
    for (const bytes of [10, 3000]) {
      test(`a cookie copied before logout fails after it (${bytes > 1000 ? "spilled" : "inline"})`, async () => {
        const user = `u-${store}-${bytes}`;
        const login = await send(at("/login", { user, bytes }));
        const copy = login.cookie;
        assert.equal((await send(at("/read"), copy)).body.status, "valid");
        const bye = await send(at("/logout"), login.cookie);
        assert.match(bye.lines[0], /Max-Age=0/);
        const stolen = await send(at("/read"), copy);
        assert.equal(stolen.body.status, "revoked");
        assert.equal(stolen.body.reason, "revoked");
        assert.deepEqual(stolen.body.data, {});
      });
    }

    test("revokeAll ends the sessions of two cookie jars; a new login after it works", async () => {
      const user = `everywhere-${store}`;
      const laptop = await send(at("/login", { user }));
      const phone = await send(at("/login", { user, bytes: 3000 }));
      const bystander = await send(at("/login", { user: `${user}-other` }));
      const listed = (await send(at("/sessions", { user }))).body;
      assert.equal(listed.length, 2);
      assert.ok(listed.every((s) => s.startedAt > 0 && s.savedAt >= s.startedAt && s.expiresAt > s.savedAt));
      await send(at("/revoke-all", { user }));
      for (const jar of [laptop, phone]) {
        const r = await send(at("/read"), jar.cookie);
        assert.deepEqual([r.body.status, r.body.reason], ["revoked", "signed_out"]);
      }
      assert.equal((await send(at("/read"), bystander.cookie)).body.status, "valid");
      // Sessions start at whole seconds: a login in the same second would count as before it.
      await new Promise((r) => setTimeout(r, 1100));
      const again = await send(at("/login", { user }));
      assert.equal((await send(at("/read"), again.cookie)).body.status, "valid");
      assert.equal((await send(at("/sessions", { user }))).body.length, 1);
    });

    test("the list of a user's sessions, and ending one of them", async () => {
      const user = `list-${store}`;
      const a = await send(at("/login", { user }));
      const b = await send(at("/login", { user }));
      const ids = (await send(at("/sessions", { user }))).body.map((s) => s.id).sort();
      assert.deepEqual(ids, [a.body.id, b.body.id].length === 2 ? ids : []);
      const aId = (await send(at("/read"), a.cookie)).body.id;
      await send(at("/revoke", { user, id: aId }));
      assert.equal((await send(at("/read"), a.cookie)).body.status, "revoked");
      assert.equal((await send(at("/read"), b.cookie)).body.status, "valid");
      assert.deepEqual((await send(at("/sessions", { user }))).body.map((s) => s.id), [(await send(at("/read"), b.cookie)).body.id]);
    });

    test("a failing revocation store: fail-closed by default, fail-open when asked", async () => {
      const login = await send(at("/login", { user: `broken-${store}` }));
      const closed = await send(at("/read", { broken: 1 }), login.cookie);
      assert.deepEqual([closed.body.status, closed.body.reason], ["unavailable", "revocation_failed"]);
      assert.deepEqual(closed.body.data, {});
      const open = await send(at("/read", { broken: 1, failOpen: 1 }), login.cookie);
      assert.equal(open.body.status, "valid");
      assert.equal(open.body.data.userId, `broken-${store}`);
      // A logout whose revocation cannot be recorded fails visibly; the cookie stays.
      const bye = await send(at("/logout", { broken: 1, failOpen: 1 }), login.cookie);
      assert.equal(bye.code, 503);
      assert.equal(bye.body.error, "store_failed");
      assert.deepEqual(bye.lines, []);
    });
  });
}
