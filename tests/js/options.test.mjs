// The JS API and the native Rust API agree on options: the option sets of
// tests/vectors/options.json, fed to loadSession, are accepted or refused
// naming the same option as tests/options.rs finds through `Config`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadSession, memoryStore } from "../../pkg/node.js";

const file = JSON.parse(readFileSync(new URL("../vectors/options.json", import.meta.url), "utf8"));

test("every option set is accepted or refused naming the option, as in Rust", async () => {
  assert.ok(file.cases.length >= 20);
  for (const { name, options, error } of file.cases) {
    const opts = { secrets: [file.secret], ...options };
    if (options.store) opts.store = memoryStore();
    let got = null;
    try {
      await loadSession("", opts);
    } catch (e) {
      assert.equal(e.code, "invalid_option", `${name}: ${e.message}`);
      got = e.option.replace(/^legacy\[\d+\]\./, "legacy.");
    }
    assert.equal(got, error, name);
  }
});
