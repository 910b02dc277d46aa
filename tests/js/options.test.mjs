// The JS API and the native Rust API agree on options: the option sets of
// tests/vectors/options.json, fed to loadSession, are accepted or refused
// naming the same option path as tests/options.rs finds through
// `Config::from_options`. Both go through the core's one options parser
// (src/session/options.rs); this proves the driver adds and loses nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadSession, memoryStore, SessionError } from "../../pkg/formats/node.js";

const file = JSON.parse(readFileSync(new URL("../vectors/options.json", import.meta.url), "utf8"));

test("every option set is accepted or refused naming the option, as in Rust", async () => {
  assert.ok(file.cases.length >= 50);
  for (const { name, options, error } of file.cases) {
    const opts = { secrets: [file.secret], ...options };
    if (options.store) opts.store = memoryStore({ cas: options.store.cas === true });
    let got = null;
    try {
      await loadSession("", opts);
    } catch (e) {
      assert.ok(e instanceof SessionError, `${name}: ${e}`);
      assert.equal(e.code, "invalid_option", `${name}: ${e.message}`);
      const last = e.option.split(/[.\]]/).at(-1);
      assert.ok(e.message.includes(last), `${name}: the message names the option: ${e.message}`);
      got = e.option;
    }
    assert.equal(got, error, name);
  }
});

test("what only JS sees is checked in JS, and never reaches the core", async () => {
  const base = { secrets: [file.secret] };
  const refuse = async (options, option) =>
    assert.rejects(loadSession("", { ...base, ...options }), (e) => e.code === "invalid_option" && e.option === option);
  await refuse({ now: 5 }, "now");
  await refuse({ store: {} }, "store");
  await refuse({ storeTimeout: 0 }, "storeTimeout");
  await refuse({ revocation: { subject: "u" } }, "revocation.store");
  // What JSON cannot carry is refused by its path.
  await refuse({ maxAge: 10n }, "maxAge");
  await refuse({ cookie: { name: () => "sid" } }, "cookie.name");
  await refuse({ store: memoryStore(), revocation: { subject: () => "u" } }, "revocation.subject");
  await refuse({ rolling: Symbol("yes") }, "rolling");
  await refuse({ legacy: [{ format: "remix", cookie: { name: "old" }, remix: { secrets: [() => "s"] } }] }, "legacy[0].remix.secrets[0]");
  // Infinity and NaN are not JSON: refused by the core, not read as null.
  await refuse({ maxAge: Infinity }, "maxAge");
  await refuse({ legacy: [{ format: "remix", cookie: { name: "old" }, remix: { secrets: ["s"] }, notAfter: new Date(NaN) }] }, "legacy[0].notAfter");
  // Only revocation.store stays behind: an iron password with the id "store" crosses.
  const pw = "iron-password-that-is-32-chars-long!!";
  const iron = { format: "iron", iron: { password: { store: pw } } };
  assert.equal((await loadSession("", { ...base, ...iron })).status, "new");
  const only = { format: "iron", iron: { password: { store: "short" } } };
  await refuse(only, "iron.password"); // read, not dropped: the short password is refused
  // A Date cut-off crosses as milliseconds.
  const s = await loadSession("", { ...base, legacy: [{ format: "remix", cookie: { name: "old" }, remix: { secrets: ["s"] }, notAfter: new Date() }] });
  assert.equal(s.status, "new");
});
