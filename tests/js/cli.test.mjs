// The `edge-session` command line (pkg/cli.js), run as a child process the
// way a user runs it: every command and flag, exit codes (0 valid, 1 not,
// 2 usage), the same status/reason as loadSession, and secrets never echoed.
// Then `npx edge-session --help` from the packed tarball, installed offline.
// Run after `make package`: node --test tests/js/cli.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sealData } from "iron-session";
import { createCookieSessionStorage } from "react-router";
import { loadSession, memoryStore, saveSession } from "../../pkg/formats/node.js";
import { root } from "./bundle.mjs";
import { documentJson, seal } from "./native-format.mjs";

const CLI = path.join(root, "pkg/cli.js");
const SECRET = "cli-test-secret-0123456789-abcdefghijkl";
const OLD = "cli-test-old-secret-0123456789-abcdefghij";
const OTHER = "cli-test-other-secret-0123456789-abcdefgh";
const T0 = 1_800_000_000_000; // 2027-01-15T08:00:00Z
const ISO0 = new Date(T0).toISOString().replace(".000Z", "Z");
const VECTORS = JSON.parse(readFileSync(path.join(root, "tests/vectors/beaker.json"), "utf8"));
const COOKIE_RS = JSON.parse(readFileSync(path.join(root, "tests/vectors/cookie-rs.json"), "utf8"));
// The foreign formats' keys (each long enough for the output masking, >= 8 characters).
const IRON_PW = "cli-test iron password, at least 32 characters";
const IRON_OLD = "cli-test old iron password, at least 32 chars";
const REMIX_NEW = "cli-test-remix-new";
const REMIX_OLD = "cli-test-remix-old";
const RS_KEY = COOKIE_RS.keys.raw.key;
const RS_MASTER = COOKIE_RS.keys.derived.masterKeyText;

/** Runs the CLI; stdin from `input`. Remembers every run for the no-echo check. */
const runs = [];
function cli(args, { input, env } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const out = { code: r.status, stdout: r.stdout, stderr: r.stderr, args };
  runs.push(out);
  return out;
}
/** The same, without blocking: for tables of cases, run a few at a time. */
function cliAsync(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => {
      const out = { code, stdout, stderr, args };
      runs.push(out);
      resolve(out);
    });
  });
}
/** Maps `f` over `items`, `width` at a time, keeping the order. */
async function pool(items, f, width = 4) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}
const jsonAsync = async (args) => {
  const r = await cliAsync([...args, "--json"]);
  return { ...r, body: JSON.parse(r.stdout) };
};
const json = (args, opts) => {
  const r = cli([...args, "--json"], opts);
  return { ...r, body: JSON.parse(r.stdout) };
};

/** A Set-Cookie line for `data`, issued at T0 with `options`. */
async function issue(data, options = {}) {
  const opts = { secrets: [SECRET], now: () => T0, ...options };
  const s = await loadSession("", opts);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  const [line] = await saveSession(s);
  return line;
}
const valueOf = (line) => line.split(";")[0].split("=").slice(1).join("=");
const pairOf = (line) => line.split(";")[0];

function flip(value) {
  const at = value.length >> 1;
  return value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1);
}

/** Every "label  value" line of the human output has its value in one column. */
function fields(stdout) {
  const lines = stdout.trimEnd().split("\n");
  const col = /^\S.*?\s{2,}/.exec(lines[0])[0].length;
  const out = {};
  let last;
  for (const line of lines) {
    if (line.slice(0, col).trim() === "") {
      out[last] += `\n${line.slice(col)}`;
      continue;
    }
    assert.match(line.slice(0, col), /^\S[\w -]*\s+$/, `aligned: ${line}`);
    assert.notEqual(line[col], " ", `aligned: ${line}`);
    last = line.slice(0, col).trim();
    out[last] = line.slice(col);
  }
  return out;
}

describe("help and usage", () => {
  test("--help on every command, exit 0", () => {
    for (const args of [["--help"], ["-h"], ["help"], ["help", "inspect"], ["help", "secret"], ["secret", "--help"], ["inspect", "--help"], ["inspect", "-h"]]) {
      const r = cli(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.stdout, /Usage/, args.join(" "));
      assert.equal(r.stderr, "");
    }
    assert.match(cli(["inspect", "--help"]).stdout, /--no-verify[\s\S]*--json/);
    assert.match(cli(["secret", "--help"]).stdout, /32 random bytes/);
  });

  test("--version is the package's", () => {
    const r = cli(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(path.join(root, "pkg/package.json"), "utf8")).version);
  });

  test("usage errors exit 2 with a message on stderr and nothing on stdout", async () => {
    const line = await issue({ a: 1 });
    const cases = [
      [[], /Usage/],
      [["frobnicate"], /unknown command/],
      [["help", "nope"], /help takes one of/],
      [["secret", "extra"], /takes no arguments/],
      [["secret", "--bytes", "16"], /unknown option --bytes/],
      [["inspect"], /give the cookie/],
      [["inspect", "a", "b", "--secret", SECRET], /give one cookie/],
      [["inspect", line, "--bogus"], /unknown option --bogus/],
      [["inspect", line, "--secret"], /--secret needs a value/],
      [["inspect", line, "--secret", "short"], /secret.*at least 32 bytes/],
      [["inspect", line], /give the secret with --secret/],
      [["inspect", "app=Fe26.2*x", "--format", "iron"], /--format iron needs --iron-password \(or --iron-password-env\)/],
      [["inspect", "__session=e30.x", "--format", "remix"], /--format remix needs --remix-secret/],
      [["inspect", "session=x", "--format", "cookie-rs"], /--format cookie-rs needs --cookie-rs-key or --cookie-rs-master-key/],
      [["inspect", line, "--secret", SECRET, "--format", "iron"], /--secret is for native cookies; --format iron takes --iron-password/],
      [["inspect", line, "--secret", SECRET, "--iron-password", IRON_PW], /--iron-password needs --format iron/],
      [["inspect", line, "--remix-secret", REMIX_NEW], /--remix-secret needs --format remix/],
      [["inspect", line, "--cookie-rs-jar", "signed"], /--cookie-rs-jar needs --format cookie-rs/],
      [["inspect", "app=x", "--format", "iron", "--iron-password", IRON_PW, "--iron-password", IRON_OLD], /given more than once: give several passwords as ID=P/],
      [["inspect", "app=x", "--format", "iron", "--iron-password", IRON_PW, "--iron-password", `2=${IRON_OLD}`], /one password, or ID=P entries, not both/],
      [["inspect", "app=x", "--format", "iron", "--iron-password", `2=${IRON_PW}`, "--iron-password", `2=${IRON_OLD}`], /id 2 given more than once/],
      [["inspect", "app=x", "--format", "iron", "--iron-password", "short"], /iron\.password.*at least 32 characters/],
      [["inspect", "app=x", "--format", "iron", "--iron-password-env", "2=EDGE_SESSION_CLI_TEST_UNSET"], /--iron-password-env: .*EDGE_SESSION_CLI_TEST_UNSET is not set/],
      [["inspect", "Fe26.2*1*a*b*c**d*e~2", "--format", "iron", "--iron-password", IRON_PW], /a bare iron value needs --name/],
      [["inspect", "session=x", "--format", "cookie-rs", "--cookie-rs-key", RS_KEY, "--cookie-rs-master-key", RS_MASTER], /not both/],
      [["inspect", "session=x", "--format", "cookie-rs", "--cookie-rs-key", RS_KEY, "--cookie-rs-jar", "public"], /--cookie-rs-jar must be private or signed/],
      [["inspect", COOKIE_RS.cases[0].value, "--format", "cookie-rs", "--cookie-rs-key", RS_KEY], /a bare cookie-rs value needs --name/],
      [["inspect", "__session=e30.x", "--format", "remix", "--no-verify", "--remix-secret", REMIX_NEW], /--no-verify takes no secret/],
      [["inspect", line, "--secret", SECRET, "--format", "bogus"], /--format must be one of native, beaker, iron, remix, cookie-rs/],
      [["inspect", line, "--secret", SECRET, "--beaker-validate-key", "k"], /needs --format beaker/],
      [["inspect", "beaker.session.id=x", "--format", "beaker"], /needs --beaker-validate-key/],
      [["inspect", line, "--no-verify", "--secret", SECRET], /--no-verify takes no secret/],
      [["inspect", "a=1; b=2", "--secret", SECRET], /2 cookies \(a, b\): choose one with --name/],
      [["inspect", line, "--secret", SECRET, "--now", "yesterday"], /--now must be/],
      [["inspect", line, "--secret", SECRET, "--idle-timeout", "ten"], /--idle-timeout must be a whole number/],
      [["inspect", line, "--secret", SECRET, "--name", "bad name"], /--name must be a cookie name/],
      [["inspect", line, "--secret", SECRET, "--name", "a", "--name", "b"], /--name given more than once/],
      [["inspect", line, "--secret-env", "EDGE_SESSION_CLI_TEST_UNSET"], /EDGE_SESSION_CLI_TEST_UNSET is not set/],
    ];
    await pool(cases, async ([args, message]) => {
      const r = await cliAsync(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
    });
  });
});

describe("secret", () => {
  test("32 random bytes, base64url, different every time, accepted by the options", async () => {
    const a = cli(["secret"]);
    const b = cli(["secret"]);
    assert.equal(a.code, 0);
    const secret = a.stdout.trim();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(secret, "base64url").length, 32);
    assert.notEqual(secret, b.stdout.trim());
    // A round trip with it as the only secret.
    const s = await loadSession("", { secrets: [secret] });
    s.set("ok", true);
    const [line] = await saveSession(s);
    const back = await loadSession(pairOf(line), { secrets: [secret] });
    assert.equal(back.status, "valid");
    assert.equal(back.get("ok"), true);
  });

  test("--json", () => {
    const { code, body } = json(["secret"]);
    assert.equal(code, 0);
    assert.match(body.secret, /^[A-Za-z0-9_-]{43}$/);
  });
});

describe("inspect: native values", () => {
  test("a valid sealed cookie: aligned header fields, ISO dates, current key, pretty data", async () => {
    const line = await issue({ user: { name: "ada", roles: ["admin"] } }, { maxAge: 3600 });
    const r = cli(["inspect", line, "--secret", SECRET, "--now", String(T0 + 60_000)]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.cookie, "__Host-session");
    assert.equal(f.format, "native v1");
    assert.match(f.mode, /^sealed/);
    assert.equal(f.kind, "session");
    assert.match(f["key id"], /^[0-9a-f]{8}, opened with the current secret/);
    assert.equal(f["issued at"], `${ISO0} (60 s ago)`);
    assert.equal(f["expires at"], `${new Date(T0 + 3600_000).toISOString().replace(".000Z", "Z")} (in 59 min)`);
    assert.equal(f.status, "valid");
    assert.match(f.id, /^[\w-]{22}$/);
    assert.deepEqual(JSON.parse(f.data), { user: { name: "ada", roles: ["admin"] } });
    assert.equal(f.data, JSON.stringify({ user: { name: "ada", roles: ["admin"] } }, null, 2), "pretty-printed");
    assert.equal(f.attributes, "Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax");
    const value = valueOf(line);
    assert.equal(f.size, `${value.length} bytes (name and value: ${value.length + 15} of the 4096 browsers keep)`);
  });

  test("a valid signed cookie, with its flash", async () => {
    const s = await loadSession("", { secrets: [SECRET], mode: "signed", now: () => T0 });
    s.set("n", 1).flash("notice", "Saved");
    const [line] = await saveSession(s);
    const { code, body } = json(["inspect", line, "--secret", SECRET, "--now", String(T0)]);
    assert.equal(code, 0);
    assert.equal(body.header.mode, "signed");
    assert.equal(body.header.issuedAt, ISO0);
    assert.deepEqual(body.data, { n: 1 });
    assert.deepEqual(body.flash, { notice: "Saved" });
    assert.equal(body.id, s.id);
  });

  test("every input form: value, name=value, Set-Cookie line, Cookie header, stdin", async () => {
    const line = await issue({ k: "v" }, { cookie: { name: "sid" } });
    const value = valueOf(line);
    const forms = [
      [[value, "--name", "sid"], "value"],
      [[`sid=${value}`], "pair"],
      [[line], "set-cookie"],
      [[`Set-Cookie: ${line}`], "set-cookie"],
      [[`set-cookie:${line}`], "set-cookie"],
      [[`theme=dark; sid=${value}; lang=en`, "--name", "sid"], "cookie-header"],
      [[`Cookie: theme=dark; sid=${value}`, "--name", "sid"], "cookie-header"],
      [["-", "--name", "sid"], "value", `${value}\n`],
      [["-"], "set-cookie", `Set-Cookie: ${line}\n`],
    ];
    for (const [args, form, input] of forms) {
      const { code, body } = json(["inspect", ...args, "--secret", SECRET, "--now", String(T0)], { input });
      assert.equal(code, 0, args.join(" "));
      assert.equal(body.form, form, args.join(" "));
      assert.equal(body.name, "sid");
      assert.deepEqual(body.data, { k: "v" });
    }
    // The default name is picked out of a Cookie header without --name.
    const host = await issue({ h: 1 });
    const { body } = json(["inspect", `a=1; ${pairOf(host)}; b=2`, "--secret", SECRET, "--now", String(T0)]);
    assert.deepEqual(body.data, { h: 1 });
  });

  test("a cookie opened with an old secret is reported as such", async () => {
    const line = await issue({ k: 1 }, { secrets: [OLD] });
    const r = cli(["inspect", line, "--secret", SECRET, "--secret", OLD, "--now", String(T0)]);
    assert.equal(r.code, 0);
    assert.match(fields(r.stdout)["key id"], /opened with an old secret: loadSession re-seals it under the current one/);
    assert.equal(json(["inspect", line, "--secret", SECRET, "--secret", OLD, "--now", String(T0)]).body.key, "old");
    assert.equal(json(["inspect", line, "--secret", OLD, "--now", String(T0)]).body.key, "current");
    // --secret and --secret-env keep their order: the first given is the current one.
    const env = { EDGE_SESSION_CLI_OLD: OLD };
    assert.equal(json(["inspect", line, "--secret-env", "EDGE_SESSION_CLI_OLD", "--secret", SECRET, "--now", String(T0)], { env }).body.key, "current");
    assert.equal(json(["inspect", line, "--secret", SECRET, "--secret-env", "EDGE_SESSION_CLI_OLD", "--now", String(T0)], { env }).body.key, "old");
  });

  test("a spilled session: the reference opens and shows the store key it points at", async () => {
    for (const prefix of [undefined, "sess:"]) {
      const store = memoryStore();
      const line = await issue({ blob: "x".repeat(6000) }, { store, ...(prefix ? { storePrefix: prefix } : {}) });
      const [key] = store.map.keys();
      const args = ["inspect", line, "--secret", SECRET, "--now", String(T0), ...(prefix ? ["--store-prefix", prefix] : [])];
      const r = cli(args);
      assert.equal(r.code, 0, r.stderr);
      const f = fields(r.stdout);
      assert.match(f.kind, /^store reference/);
      assert.equal(f["store key"], key);
      assert.ok(key.startsWith(prefix ?? "session:"));
      const { body } = json(args);
      assert.equal(body.storeKey, key);
      assert.equal(body.header.kind, "pointer");
      assert.equal(body.valid, true);
    }
  });

  test("expired, idle, tampered, unknown key, another cookie name, garbage: exit 1 with loadSession's status and reason", async () => {
    const line = await issue({ k: 1 }, { maxAge: 3600 });
    const value = valueOf(line);
    const cases = [
      [[line, "--now", String(T0 + 3601_000)], "expired", "expired", /authentic, but past its expiry/],
      [[line, "--now", String(T0 + 601_000), "--idle-timeout", "600"], "expired", "idle_timeout", /idle/],
      [[`__Host-session=${flip(value)}`, "--now", String(T0)], "invalid", "bad_tag", /tampered/],
      [[value, "--name", "other", "--now", String(T0)], "invalid", "bad_tag", /another cookie name/],
      [["__Host-session=not-a-cookie", "--now", String(T0)], "invalid", "malformed", /not a value/],
    ];
    for (const [args, status, reason, explanation] of cases) {
      const r = cli(["inspect", ...args, "--secret", SECRET]);
      assert.equal(r.code, 1, args.join(" "));
      const f = fields(r.stdout);
      assert.equal(f.status, status);
      assert.match(f.reason, new RegExp(`^${reason}: `));
      assert.match(f.reason, explanation);
      assert.equal(f.data, undefined, "no data for a value that did not open");
      const { code, body } = json(["inspect", ...args, "--secret", SECRET]);
      assert.equal(code, 1);
      assert.deepEqual([body.valid, body.status, body.reason, body.data], [false, status, reason, null]);
    }
    const unknown = json(["inspect", line, "--secret", OTHER, "--now", String(T0)]);
    assert.equal(unknown.code, 1);
    assert.deepEqual([unknown.body.status, unknown.body.reason, unknown.body.key], ["invalid", "unknown_key", "unknown"]);
    assert.match(cli(["inspect", line, "--secret", OTHER]).stdout, /key id\s+[0-9a-f]{8}, none of the given secrets/);
  });

  test("no cookie by that name in a Cookie header: status new, exit 1", () => {
    const r = cli(["inspect", "Cookie: a=1; b=2", "--name", "sid", "--secret", SECRET]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /status\s+new/);
    assert.match(r.stdout, /found\s+a, b/);
    assert.equal(json(["inspect", "a=1", "--name", "sid", "--secret", SECRET]).body.status, "new");
  });

  test("the CLI's status and reason are loadSession's, case by case", async () => {
    const line = await issue({ k: 1 }, { maxAge: 3600 });
    const old = await issue({ k: 2 }, { secrets: [OLD] });
    const value = valueOf(line);
    const headers = [
      pairOf(line),
      pairOf(old),
      `__Host-session=${flip(value)}`,
      `__Host-session=${value.slice(0, 30)}`,
      "__Host-session=AQ",
      `__Host-session=${value}x`,
      // Authentic, but its data is not JSON: loadSession finds it with JSON.parse, inspect in the core.
      `__Host-session=${seal({ secret: SECRET, issuedAt: T0 / 1000 - 10, payload: documentJson("AAECAwQFBgcICQoLDA0ODw", '{"a":tru}') })}`,
    ];
    const cases = [];
    for (const now of [T0, T0 + 3601_000]) {
      for (const secrets of [[SECRET], [SECRET, OLD], [OTHER]]) {
        for (const header of headers) cases.push({ now, secrets, header });
      }
    }
    await pool(cases, async ({ now, secrets, header }) => {
      const session = await loadSession(header, { secrets, now: () => now });
      const args = ["inspect", header, "--now", String(now), ...secrets.flatMap((s) => ["--secret", s])];
      const { code, body } = await jsonAsync(args);
      assert.deepEqual([body.status, body.reason ?? undefined], [session.status, session.reason], args.join(" "));
      assert.equal(code, session.status === "valid" ? 0 : 1);
      if (session.status === "valid") assert.deepEqual(body.data, session.toJSON());
    });
  });
});

describe("inspect --no-verify", () => {
  test("a signed value: header and data shown, marked unverified, exit 0", async () => {
    const s = await loadSession("", { secrets: [SECRET], mode: "signed", now: () => T0 });
    s.set("user", "ada").flash("notice", "hi");
    const [line] = await saveSession(s);
    const r = cli(["inspect", line, "--no-verify", "--now", String(T0)]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.match(f.mode, /^signed/);
    assert.equal(f["issued at"], `${ISO0} (now)`);
    assert.match(f.verified, /^NOT VERIFIED/);
    assert.deepEqual(JSON.parse(f.data), { user: "ada" });
    assert.deepEqual(JSON.parse(f.flash), { notice: "hi" });
    assert.equal(f.id, s.id);
    const { body } = json(["inspect", line, "--no-verify"]);
    assert.equal(body.verified, false);
    assert.deepEqual(body.data, { user: "ada" });
  });

  test("a sealed value: only the header, a clear refusal, exit 1", async () => {
    const line = await issue({ secret: "plans" });
    const r = cli(["inspect", line, "--no-verify", "--now", String(T0)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /this value is sealed \(AES-256-GCM\): its data cannot be read without the secret/);
    assert.match(r.stderr, /Pass --secret/);
    assert.equal(fields(r.stdout)["issued at"], `${ISO0} (now)`);
    assert.doesNotMatch(r.stdout, /plans/);
    const { code, body } = json(["inspect", line, "--no-verify"]);
    assert.equal(code, 1);
    assert.equal(body.sealed, true);
    assert.equal(body.data, null);
  });

  test("garbage: invalid/malformed, exit 1", () => {
    const { code, body } = json(["inspect", "__Host-session=%%%", "--no-verify"]);
    assert.equal(code, 1);
    assert.deepEqual([body.status, body.reason], ["invalid", "malformed"]);
  });
});

describe("inspect --format beaker", () => {
  const keyArgs = (k) => [
    "--beaker-validate-key",
    k.validate_key,
    ...(k.encrypt_key ? ["--beaker-encrypt-key", k.encrypt_key] : []),
    ...(k.crypto_type ? ["--beaker-crypto-type", k.crypto_type] : []),
    ...(k.nonce_bits ? ["--beaker-nonce-bits", String(k.nonce_bits)] : []),
  ];
  const beakerOptions = (k) => ({
    format: "beaker",
    beaker: { validateKey: k.validate_key, encryptKey: k.encrypt_key, cryptoType: k.crypto_type, nonceBits: k.nonce_bits },
  });

  test("every valid vector (signed, AES-GCM, AES-CTR): its data and id, as loadSession reads it", async () => {
    await pool(VECTORS.valid, async (v) => {
      const k = VECTORS.keys[v.keys];
      const { code, body } = await jsonAsync(["inspect", `beaker.session.id=${v.cookie}`, "--format", "beaker", ...keyArgs(k)]);
      assert.equal(code, 0, v.name);
      assert.equal(body.status, "valid", v.name);
      assert.equal(body.id, v.id, v.name);
      // Through JSON, as the CLI prints it (-0 prints as 0).
      const printed = (x) => JSON.parse(JSON.stringify(x));
      assert.deepEqual(body.data, printed(JSON.parse(v.data)), v.name);
      const session = await loadSession(`beaker.session.id=${v.cookie}`, beakerOptions(k));
      assert.deepEqual(body.data, printed(session.toJSON()), v.name);
    });
    const v = VECTORS.valid[0];
    const r = cli(["inspect", v.cookie, "--format", "beaker", ...keyArgs(VECTORS.keys[v.keys])]);
    assert.equal(r.code, 0);
    const f = fields(r.stdout);
    assert.equal(f.cookie, "beaker.session.id");
    assert.equal(f.format, "beaker");
    assert.equal(f.status, "valid");
    assert.equal(f["creation time"], "1732700000.123456 (2024-11-27T09:33:20.123Z)");
  });

  test("every invalid vector: exit 1 with loadSession's reason", async () => {
    await pool(VECTORS.invalid, async (v) => {
      const k = VECTORS.keys[v.keys];
      const { code, body } = await jsonAsync(["inspect", `beaker.session.id=${v.cookie}`, "--format", "beaker", ...keyArgs(k)]);
      const session = await loadSession(`beaker.session.id=${v.cookie}`, beakerOptions(k));
      assert.equal(code, 1, v.name);
      assert.deepEqual([body.status, body.reason], [session.status, session.reason], v.name);
      assert.equal(body.reason, v.reason, v.name);
    });
  });

  test("--beaker-timeout: an idle Beaker session is expired", () => {
    const v = VECTORS.valid[0];
    const accessed = Math.ceil(Number(v.accessed_time));
    const args = ["inspect", v.cookie, "--format", "beaker", ...keyArgs(VECTORS.keys[v.keys]), "--beaker-timeout", "60"];
    assert.equal(json([...args, "--now", String((accessed + 30) * 1000)]).code, 0);
    const late = json([...args, "--now", String((accessed + 61) * 1000)]);
    assert.equal(late.code, 1);
    assert.equal(late.body.status, "expired");
  });

  test("--no-verify: a signed Beaker cookie is readable, an encrypted one is refused", () => {
    const signed = VECTORS.valid.find((v) => v.keys === "signed" && v.data !== "{}");
    const r = cli(["inspect", signed.cookie, "--format", "beaker", "--no-verify"]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.id, signed.id);
    assert.match(f.verified, /^NOT VERIFIED/);
    assert.match(f._creation_time, /^1732700000\.123456 \(2024-11-27T09:33:20\.123Z\)$/);
    assert.deepEqual(JSON.parse(f.data), JSON.parse(signed.data));
    const encrypted = VECTORS.valid.find((v) => v.keys === "gcm128");
    const e = cli(["inspect", encrypted.cookie, "--format", "beaker", "--no-verify"]);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /not readable without its keys/);
  });
});

/** A cookie-rs fixture case's key flags. */
const rsKeyArgs = (c) => (c.key === "raw" ? ["--cookie-rs-key", RS_KEY] : ["--cookie-rs-master-key", RS_MASTER]);

describe("inspect --format iron (iron-session 8)", () => {
  const ironOptions = (password) => ({ format: "iron", cookie: { name: "app" }, iron: { password } });
  const ciphertextFlip = (seal) => {
    const parts = seal.split("*");
    parts[4] = flip(parts[4]);
    return parts.join("*");
  };

  test("a seal from sealData: valid, the password id and expiry it names, its data; no invented id or key", async () => {
    const data = { user: { name: "ann", roles: ["admin"] }, n: 1 };
    const seal = await sealData(data, { password: IRON_PW, ttl: 3600 });
    const now = Date.now();
    const r = cli(["inspect", `app=${seal}`, "--format", "iron", "--iron-password", IRON_PW, "--now", String(now)]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.cookie, "app");
    assert.match(f.format, /^iron \(Fe26\.2 seal/);
    assert.equal(f["password id"], "1 (named in the seal)", "iron-session seals a string password under id 1");
    assert.match(f["expires at"], /^\d{4}-\d\d-\d\dT.* \(in (59|60) min\)$/);
    assert.equal(f.status, "valid");
    assert.equal(f.id, undefined, "an iron session has no id: none is shown");
    assert.equal(f.data, JSON.stringify(data, null, 2));
    const { code, body } = json(["inspect", seal, "--name", "app", "--format", "iron", "--iron-password", IRON_PW]);
    assert.equal(code, 0);
    assert.deepEqual([body.valid, body.status, body.key, body.id, body.passwordId], [true, "valid", null, null, "1"]);
    assert.deepEqual(body.data, (await loadSession(`app=${seal}`, ironOptions(IRON_PW))).toJSON());
  });

  test("a password map, as ID=P and from the environment; rotation", async () => {
    const seal = await sealData({ k: "v" }, { password: { 1: IRON_OLD }, ttl: 3600 });
    const env = { EDGE_SESSION_CLI_IRON_OLD: IRON_OLD };
    for (const args of [
      ["--iron-password", `2=${IRON_PW}`, "--iron-password", `1=${IRON_OLD}`],
      ["--iron-password", `2=${IRON_PW}`, "--iron-password-env", "1=EDGE_SESSION_CLI_IRON_OLD"],
      ["--iron-password-env", "EDGE_SESSION_CLI_IRON_OLD"],
    ]) {
      const { code, body } = json(["inspect", `app=${seal}`, "--format", "iron", ...args], { env });
      assert.equal(code, 0, args.join(" "));
      assert.deepEqual(body.data, { k: "v" });
      assert.equal(body.passwordId, "1");
    }
    // The map no longer holds id 1: unknown_password, as loadSession says.
    const gone = json(["inspect", `app=${seal}`, "--format", "iron", "--iron-password", `2=${IRON_PW}`]);
    const session = await loadSession(`app=${seal}`, ironOptions({ 2: IRON_PW }));
    assert.equal(gone.code, 1);
    assert.deepEqual([gone.body.status, gone.body.reason], [session.status, session.reason]);
    assert.equal(gone.body.reason, "unknown_password");
  });

  test("tampered, wrong password, expired, garbage: exit 1 with loadSession's status and reason", async () => {
    const seal = await sealData({ k: 1 }, { password: IRON_PW, ttl: 60 });
    const now = Date.now();
    const cases = [
      [ciphertextFlip(seal), [IRON_PW], now, "invalid", "bad_mac", /tampered/],
      [seal, [IRON_OLD], now, "invalid", "bad_mac", /another password/],
      [seal, [IRON_PW], now + 3600_000, "expired", "expired", /past its expiry/],
      ["not-a-seal", [IRON_PW], now, "invalid", "malformed", /not a value/],
    ];
    for (const [value, passwords, at, status, reason, explanation] of cases) {
      const args = ["inspect", `app=${value}`, "--format", "iron", ...passwords.flatMap((p) => ["--iron-password", p]), "--now", String(at)];
      const r = cli(args);
      assert.equal(r.code, 1, reason);
      const f = fields(r.stdout);
      assert.equal(f.status, status);
      assert.match(f.reason, new RegExp(`^${reason}: `));
      assert.match(f.reason, explanation);
      assert.equal(f.data, undefined);
      const { code, body } = json(args);
      const session = await loadSession(`app=${value}`, { ...ironOptions(passwords[0]), now: () => at });
      assert.equal(code, 1);
      assert.deepEqual([body.valid, body.status, body.reason, body.data], [false, session.status, session.reason, null]);
    }
  });

  test("--no-verify: an iron seal is encrypted, refused clearly, exit 1", async () => {
    const seal = await sealData({ plans: "secret plans" }, { password: IRON_PW, ttl: 3600 });
    const r = cli(["inspect", `app=${seal}`, "--format", "iron", "--no-verify"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /an iron seal is encrypted \(AES-256-CBC\): its data cannot be read without the password/);
    assert.match(r.stderr, /Pass --iron-password/);
    assert.doesNotMatch(r.stdout, /plans/);
    const { code, body } = json(["inspect", `app=${seal}`, "--format", "iron", "--no-verify"]);
    assert.equal(code, 1);
    assert.deepEqual([body.verified, body.readable, body.data], [false, false, null]);
  });
});

describe("inspect --format remix (React Router 7)", () => {
  const storage = (secrets) => createCookieSessionStorage({ cookie: { name: "__session", secrets, path: "/", sameSite: "lax" } });
  /** A Set-Cookie line from React Router's commitSession. */
  async function rrCookie(data, flash, secrets) {
    const st = storage(secrets);
    const session = await st.getSession();
    for (const [k, v] of Object.entries(data)) session.set(k, v);
    for (const [k, v] of Object.entries(flash)) session.flash(k, v);
    return st.commitSession(session);
  }
  const remixOptions = (secrets) => ({ format: "remix", cookie: { name: "__session" }, remix: { secrets } });

  test("a commitSession cookie: valid, its data and flash, as loadSession reads it", async () => {
    const data = { userId: "ann", cart: [{ sku: "A-1", qty: 2 }], name: "Zoë 😀" };
    const line = await rrCookie(data, { notice: "Saved" }, [REMIX_NEW]);
    const r = cli(["inspect", line, "--format", "remix", "--remix-secret", REMIX_NEW]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.cookie, "__session");
    assert.match(f.format, /^remix \(React Router/);
    assert.equal(f.status, "valid");
    assert.equal(f.id, undefined);
    assert.deepEqual(JSON.parse(f.flash), { notice: "Saved" });
    assert.equal(f.data, JSON.stringify(data, null, 2));
    assert.match(f.attributes, /Path=\//);
    const session = await loadSession(pairOf(line), remixOptions([REMIX_NEW]));
    const { code, body } = json(["inspect", valueOf(line), "--format", "remix", "--remix-secret", REMIX_NEW]);
    assert.equal(code, 0);
    assert.equal(body.name, "__session", "React Router's default cookie name");
    assert.deepEqual(body.data, session.toJSON());
    assert.deepEqual([body.key, body.id], [null, null]);
  });

  test("rotation: the secrets in order, from flags and the environment", async () => {
    const line = await rrCookie({ k: 1 }, {}, [REMIX_OLD]);
    const env = { EDGE_SESSION_CLI_REMIX_OLD: REMIX_OLD };
    const r = json(["inspect", line, "--format", "remix", "--remix-secret", REMIX_NEW, "--remix-secret-env", "EDGE_SESSION_CLI_REMIX_OLD"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.body.data, { k: 1 });
  });

  test("tampered, wrong secret, garbage: exit 1 with loadSession's reason", async () => {
    const line = await rrCookie({ admin: false }, {}, [REMIX_NEW]);
    const value = valueOf(line);
    const dot = value.lastIndexOf(".");
    // The payload says admin: true now; the signature is React Router's for admin: false.
    const forged = `${Buffer.from('{"admin":true}').toString("base64")}${value.slice(dot)}`;
    const cases = [
      [forged, [REMIX_NEW], "bad_signature", /tampered/],
      [value, [REMIX_OLD], "bad_signature", /another key/],
      ["%%%", [REMIX_NEW], null, null],
    ];
    for (const [v, secrets, reason, explanation] of cases) {
      const args = ["inspect", `__session=${v}`, "--format", "remix", ...secrets.flatMap((s) => ["--remix-secret", s])];
      const session = await loadSession(`__session=${v}`, remixOptions(secrets));
      const { code, body } = json(args);
      assert.equal(code, 1, v);
      assert.deepEqual([body.valid, body.status, body.reason, body.data], [false, session.status, session.reason, null]);
      if (reason) {
        assert.equal(body.reason, reason);
        const f = fields(cli(args).stdout);
        assert.match(f.reason, explanation);
      }
    }
  });

  test("--no-verify: the data shown, NOT VERIFIED, exit 0; unreadable: exit 1", async () => {
    const line = await rrCookie({ user: "ann" }, { msg: "hi" }, [REMIX_NEW]);
    const r = cli(["inspect", line, "--format", "remix", "--no-verify"]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.match(f.verified, /^NOT VERIFIED: .*only --remix-secret proves it authentic/);
    assert.deepEqual(JSON.parse(f.data), { user: "ann" });
    assert.deepEqual(JSON.parse(f.flash), { msg: "hi" });
    const { code, body } = json(["inspect", line, "--format", "remix", "--no-verify"]);
    assert.equal(code, 0);
    assert.deepEqual([body.verified, body.readable, body.data, body.flash], [false, true, { user: "ann" }, { msg: "hi" }]);
    const bad = cli(["inspect", "__session=bm90IGpzb24.sig", "--format", "remix", "--no-verify"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not readable as a React Router cookie/);
  });
});

describe("inspect --format cookie-rs (the cookie crate 0.18)", () => {
  const rsOptions = (c, name = c.cookieName) => ({
    format: "cookie-rs",
    cookie: { name },
    cookieRs: { ...(c.key === "raw" ? { key: RS_KEY } : { masterKey: RS_MASTER }), jar: c.jar },
  });

  test("every fixture, raw and percent-encoded, private and signed jars: loadSession's status, reason and data", async () => {
    const cases = COOKIE_RS.cases.flatMap((c) => [
      [c, c.value],
      [c, c.encoded],
    ]);
    await pool(cases, async ([c, v]) => {
      // cookieName: the name to read it under ("other" for a value moved there).
      const args = ["inspect", `${c.cookieName}=${v}`, "--format", "cookie-rs", ...rsKeyArgs(c), "--cookie-rs-jar", c.jar];
      const { code, body } = await jsonAsync(args);
      const session = await loadSession(`${c.cookieName}=${v}`, rsOptions(c));
      assert.deepEqual([body.status, body.reason ?? undefined], [session.status, session.reason], c.name);
      assert.equal(body.jar, c.jar);
      if (c.expect === "valid") {
        assert.equal(code, 0, c.name);
        assert.deepEqual(body.data, JSON.parse(c.plaintext), c.name);
        assert.deepEqual(body.data, session.toJSON(), c.name);
      } else if (c.expect !== "valid") {
        assert.equal(code, 1, c.name);
        assert.equal(body.reason, c.expect, c.name);
      }
    });
  });

  test("human output; the private jar binds the cookie name, the signed jar does not", () => {
    const c = COOKIE_RS.cases.find((x) => x.name === "raw private ascii");
    const r = cli(["inspect", c.value, "--name", "session", "--format", "cookie-rs", "--cookie-rs-key", RS_KEY]);
    assert.equal(r.code, 0, r.stderr);
    const f = fields(r.stdout);
    assert.equal(f.format, "cookie-rs, private jar (AES-256-GCM)");
    assert.equal(f.status, "valid");
    assert.equal(f.data, JSON.stringify(JSON.parse(c.plaintext), null, 2));
    const moved = cli(["inspect", c.value, "--name", "other", "--format", "cookie-rs", "--cookie-rs-key", RS_KEY]);
    assert.equal(moved.code, 1);
    assert.match(fields(moved.stdout).reason, /^bad_tag: .*another cookie name/);
    const s = COOKIE_RS.cases.find((x) => x.name === "derived signed ascii");
    const signed = cli(["inspect", `other=${s.encoded}`, "--format", "cookie-rs", "--cookie-rs-master-key", RS_MASTER, "--cookie-rs-jar", "signed"]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(fields(signed.stdout).format, "cookie-rs, signed jar (HMAC-SHA256, readable by the client)");
  });

  test("tampered and wrong key: exit 1 (bad_tag in the private jar, bad_signature in the signed jar)", async () => {
    const env = { EDGE_SESSION_CLI_RS_MASTER: RS_MASTER };
    for (const jar of ["private", "signed"]) {
      const reason = jar === "private" ? "bad_tag" : "bad_signature";
      const tampered = COOKIE_RS.cases.find((x) => x.name === `raw ${jar} tampered`);
      const t = json(["inspect", `session=${tampered.encoded}`, "--format", "cookie-rs", "--cookie-rs-key", RS_KEY, "--cookie-rs-jar", jar]);
      assert.deepEqual([t.code, t.body.status, t.body.reason], [1, "invalid", reason], `${jar} tampered`);
      // A raw-key value under the derived master key (from the environment).
      const valid = COOKIE_RS.cases.find((x) => x.name === `raw ${jar} ascii`);
      const args = ["inspect", `session=${valid.encoded}`, "--format", "cookie-rs", "--cookie-rs-master-key-env", "EDGE_SESSION_CLI_RS_MASTER", "--cookie-rs-jar", jar];
      const w = json(args, { env });
      const session = await loadSession(`session=${valid.encoded}`, rsOptions({ key: "derived", jar }, "session"));
      assert.deepEqual([w.code, w.body.status, w.body.reason], [1, session.status, reason], `${jar} wrong key`);
      assert.equal(w.body.data, null);
      // The same value with its own key, from the environment, opens.
      assert.equal(json(["inspect", `session=${valid.encoded}`, "--format", "cookie-rs", "--cookie-rs-key-env", "EDGE_SESSION_CLI_RS_KEY", "--cookie-rs-jar", jar], { env: { EDGE_SESSION_CLI_RS_KEY: RS_KEY } }).code, 0);
    }
  });

  test("--no-verify: a signed jar's value is shown NOT VERIFIED; a private jar's is refused", () => {
    const s = COOKIE_RS.cases.find((x) => x.name === "raw signed nested");
    for (const v of [s.value, s.encoded]) {
      const r = cli(["inspect", `session=${v}`, "--format", "cookie-rs", "--cookie-rs-jar", "signed", "--no-verify"]);
      assert.equal(r.code, 0, r.stderr);
      const f = fields(r.stdout);
      assert.match(f.verified, /^NOT VERIFIED: .*--cookie-rs-key or --cookie-rs-master-key proves it authentic/);
      assert.deepEqual(JSON.parse(f.data), JSON.parse(s.plaintext));
    }
    const p = COOKIE_RS.cases.find((x) => x.name === "raw private nested");
    for (const jar of [[], ["--cookie-rs-jar", "private"]]) {
      const r = cli(["inspect", `session=${p.encoded}`, "--format", "cookie-rs", ...jar, "--no-verify"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /a cookie-rs private-jar value is encrypted \(AES-256-GCM\)/);
      assert.match(r.stderr, /--cookie-rs-jar signed/);
      const { body } = json(["inspect", `session=${p.encoded}`, "--format", "cookie-rs", ...jar, "--no-verify"]);
      assert.deepEqual([body.readable, body.data], [false, null]);
    }
  });
});

describe("secrets are never echoed", () => {
  test("no output of any run holds a secret, including --secret=S, --secret-env and errors", async () => {
    const line = await issue({ k: 1 });
    const env = { EDGE_SESSION_CLI_SECRET: SECRET };
    cli(["inspect", line, `--secret=${SECRET}`, "--now", String(T0)]);
    cli(["inspect", line, "--secret-env", "EDGE_SESSION_CLI_SECRET", "--json"], { env });
    cli(["inspect", line, "--secret", OTHER, "--secret", SECRET, "--json"]);
    cli(["inspect", line, "--secret", SECRET, "--bogus"]);
    cli(["inspect", line, "--secret", SECRET, `--unknown=${SECRET}`]);
    cli(["inspect", line, "--secret", SECRET, SECRET]);
    cli([SECRET, "--secret", SECRET]);
    cli(["inspect", line, "--secret", SECRET.slice(0, 20)]);
    cli(["inspect", line, "--no-verify", "--secret", SECRET]);
    cli(["inspect", "beaker.session.id=x", "--format", "beaker", "--beaker-validate-key", SECRET, "--beaker-encrypt-key", OLD]);
    // The foreign formats' keys, valid or not, as flags, ID=P, --flag=value and from the environment.
    const seal = await sealData({ k: 1 }, { password: IRON_PW, ttl: 3600 });
    const fenv = { EDGE_SESSION_CLI_IRON: IRON_PW, EDGE_SESSION_CLI_REMIX: REMIX_NEW, EDGE_SESSION_CLI_RS: RS_KEY };
    cli(["inspect", `app=${seal}`, "--format", "iron", `--iron-password=${IRON_PW}`]);
    cli(["inspect", `app=${seal}`, "--format", "iron", "--iron-password", `1=${IRON_PW}`, "--iron-password", `2=${IRON_OLD}`, "--json"]);
    cli(["inspect", `app=${seal}`, "--format", "iron", "--iron-password-env", "3=EDGE_SESSION_CLI_IRON", "--json"], { env: fenv });
    cli(["inspect", `app=${seal}`, "--format", "iron", "--iron-password", IRON_PW.slice(0, 20)]);
    cli(["inspect", `app=${seal}`, "--format", "iron", "--iron-password", IRON_PW, "--no-verify"]);
    cli(["inspect", `app=${seal}`, "--iron-password", IRON_PW, `--bogus=${IRON_OLD}`]);
    cli(["inspect", "__session=e30.x", "--format", "remix", "--remix-secret", REMIX_NEW, "--remix-secret", REMIX_OLD]);
    cli(["inspect", "__session=e30.x", "--format", "remix", "--remix-secret-env", "EDGE_SESSION_CLI_REMIX", "--json"], { env: fenv });
    const rs = COOKIE_RS.cases[0];
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-key", RS_KEY]);
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-key-env", "EDGE_SESSION_CLI_RS", "--json"], { env: fenv });
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-master-key", RS_MASTER, "--json"]);
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-key", RS_KEY.slice(0, 40)]);
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-master-key", RS_MASTER.slice(0, 20)]);
    cli(["inspect", `session=${rs.encoded}`, "--format", "cookie-rs", "--cookie-rs-key", RS_KEY, "--cookie-rs-master-key", RS_MASTER]);
    // The secret as data inside the cookie is data, and is shown; everything else is checked.
    assert.ok(runs.length > 60, `${runs.length} runs`);
    const foreign = [IRON_PW, IRON_OLD, IRON_PW.slice(0, 20), REMIX_NEW, REMIX_OLD, RS_KEY, RS_KEY.slice(0, 40), RS_MASTER, RS_MASTER.slice(0, 20)];
    for (const r of runs) {
      for (const s of [SECRET, OLD, OTHER, SECRET.slice(0, 20), ...foreign]) {
        assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `a secret in the output of: ${r.args.map((a) => a.slice(0, 30)).join(" ")}`);
      }
    }
  });
});

describe("the packed package", () => {
  test("npx edge-session --help works from the tarball, installed offline", () => {
    const dir = path.join(root, "target", "npx-test");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, "app"), { recursive: true });
    const npm = (args, cwd) =>
      execFileSync("npm", args, {
        cwd,
        encoding: "utf8",
        env: { ...process.env, npm_config_cache: path.join(dir, "cache"), npm_config_update_notifier: "false" },
      });
    npm(["pack", path.join(root, "pkg"), "--pack-destination", dir, "--silent"], dir);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tgz, "npm pack made a tarball");
    writeFileSync(path.join(dir, "app", "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    npm(["install", "--offline", "--no-audit", "--no-fund", path.join(dir, tgz)], path.join(dir, "app"));

    const help = npm(["exec", "--offline", "--", "edge-session", "--help"], path.join(dir, "app"));
    assert.match(help, /Usage:\s+edge-session secret/);
    const npx = execFileSync("npx", ["--offline", "edge-session", "inspect", "--help"], {
      cwd: path.join(dir, "app"),
      encoding: "utf8",
      env: { ...process.env, npm_config_cache: path.join(dir, "cache") },
    });
    assert.match(npx, /--no-verify/);
    const secret = execFileSync("npx", ["--offline", "edge-session", "secret"], {
      cwd: path.join(dir, "app"),
      encoding: "utf8",
      env: { ...process.env, npm_config_cache: path.join(dir, "cache") },
    }).trim();
    assert.equal(Buffer.from(secret, "base64url").length, 32);
    // The installed package works by name, including the Hono entry.
    const probe = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", 'import { loadSession } from "edge-session"; import { session } from "edge-session/hono"; console.log(typeof loadSession, typeof session);'],
      { cwd: path.join(dir, "app"), encoding: "utf8" },
    );
    assert.equal(probe.trim(), "function function");
  });
});
