// The package's typings, proven by compiling tests/types/ with the real tsc
// (--strict) against pkg/index.d.ts and pkg/hono.d.ts, resolved as an
// installed package would be (exports "types" conditions), in both
// moduleResolution "bundler" and "nodenext". wrong.ts must fail exactly on
// the lines its `@ts-expect-error` directives mark. tests/types/workers/ is
// compiled with @cloudflare/workers-types instead of the DOM lib.
// Run after `make package`: node --test tests/js/types.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root, stage } from "./bundle.mjs";

const TSC = path.join(root, "tests/node_modules/typescript/bin/tsc");
const SRC = path.join(root, "tests/types");

function staged() {
  const dir = stage("types-check", { copy: true });
  cpSync(SRC, dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const types = path.join(root, "tests/node_modules/@cloudflare/workers-types");
  mkdirSync(path.join(dir, "node_modules/@cloudflare"));
  symlinkSync(types, path.join(dir, "node_modules/@cloudflare/workers-types"), "dir");
  return dir;
}

/** Runs tsc; returns { ok, output }. */
function tsc(dir, args) {
  try {
    const output = execFileSync(process.execPath, [TSC, "--pretty", "false", ...args], { cwd: dir, encoding: "utf8" });
    return { ok: true, output };
  } catch (e) {
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

test("tests/types compiles under --strict (moduleResolution bundler), against the shipped .d.ts", () => {
  const dir = staged();
  const r = tsc(dir, ["-p", "tsconfig.json", "--traceResolution"]);
  assert.ok(r.ok, r.output.split("\n").filter((l) => /error TS/.test(l)).join("\n") || r.output.slice(-2000));
  // Resolved through the package's exports, as an installed package.
  assert.match(r.output, /Module name 'edge-session' was successfully resolved to '[^']*edge-session\/index\.d\.ts'/);
  assert.match(r.output, /Module name 'edge-session\/hono' was successfully resolved to '[^']*edge-session\/hono\.d\.ts'/);
});

test("tests/types compiles under --strict (moduleResolution nodenext)", () => {
  const dir = staged();
  const r = tsc(dir, ["-p", "tsconfig.json", "--module", "nodenext", "--moduleResolution", "nodenext"]);
  assert.ok(r.ok, r.output);
});

test("Workers programs compile against @cloudflare/workers-types (KVNamespace as the store)", () => {
  const dir = staged();
  const r = tsc(path.join(dir, "workers"), ["-p", "tsconfig.json"]);
  assert.ok(r.ok, r.output);
});

test("wrong.ts: without its @ts-expect-error directives, exactly the marked lines fail", () => {
  const dir = staged();
  const lines = readFileSync(path.join(SRC, "wrong.ts"), "utf8").split("\n");
  const expected = [];
  const stripped = lines.map((line, i) => {
    if (!line.trim().startsWith("// @ts-expect-error")) return line;
    expected.push(i + 2); // 1-based number of the line after the directive
    return "//";
  });
  assert.ok(expected.length >= 5, "wrong.ts marks its failures");
  writeFileSync(path.join(dir, "wrong.ts"), stripped.join("\n"));
  const r = tsc(dir, ["-p", "tsconfig.json"]);
  assert.equal(r.ok, false, "wrong.ts must not compile");
  const errors = [...r.output.matchAll(/^(\S+)\((\d+),\d+\): error (TS\d+)/gm)];
  assert.ok(errors.every(([, file]) => file === "wrong.ts"), r.output);
  const failing = [...new Set(errors.map(([, , line]) => Number(line)))].sort((a, b) => a - b);
  assert.deepEqual(failing, expected, r.output);
});

// Every runtime export of the entries is declared in index.d.ts, and nothing
// internal leaks (the CLI reaches the codec through js/internal.js instead).
test("the entries export what index.d.ts declares, nothing internal", async () => {
  const dts = readFileSync(path.join(root, "pkg/index.d.ts"), "utf8");
  const declared = new Set([...dts.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]));
  const entry = await import(path.join(root, "pkg/node.js"));
  const names = Object.keys(entry);
  assert.ok(names.includes("loadSession"));
  assert.deepEqual(names.filter((n) => n.startsWith("_") || !declared.has(n)), []);
  assert.deepEqual([...declared].filter((n) => !names.includes(n)), []);
});
