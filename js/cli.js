#!/usr/bin/env node
// edge-session command line: `edge-session secret`, `edge-session inspect`.
// Runs the package's own wasm build under Node >= 20; no other dependency.
// Exit status: 0 success (a valid cookie), 1 a cookie that is not valid,
// 2 a usage error.
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import "./node.js"; // initialises the wasm
import {
  DEFAULT_NAMES,
  FOREIGN,
  FORMATS,
  UsageError,
  inspectValue,
  ironPasswordId,
  newSecret,
  parseInput,
  peekForeign,
  peekValue,
  pickCookie,
} from "./inspect.js";

const USAGE = {
  main: `edge-session: sealed and signed session cookies (Workers, Deno, browsers, Node)

Usage:
  edge-session secret              print a new random secret
  edge-session inspect <cookie>    decode and verify a session cookie
  edge-session help [command]      help on a command (or: <command> --help)

Options:
  -h, --help       show help
  -v, --version    show the version

Exit status: 0 success or a valid cookie, 1 a cookie that is not valid,
2 a usage error.
`,
  secret: `Usage: edge-session secret [--json]

Prints a new secret: 32 random bytes from the system's CSPRNG, base64url
(43 characters). Use it as one of the \`secrets\` option's entries, e.g.
  wrangler secret put SESSION_SECRET

Options:
  --json       print {"secret": "..."}
  -h, --help   show this help
`,
  inspect: `Usage: edge-session inspect <cookie> [options]

<cookie> is any of: a bare value; name=value; a Set-Cookie line (with or
without "Set-Cookie:"); a Cookie header (with or without "Cookie:"), from
which --name picks the cookie; or "-" to read it from standard input.

Prints the header (format version, mode, kind, key id, issued-at and expiry
as ISO dates, and whether the current or an old secret opened it), then the
session data as JSON. A spilled session shows the store key its reference
points at. A cookie that does not open shows the status and reason that
loadSession would give. With --format iron, remix or cookie-rs, it opens the
cookie of that library with its keys, as loadSession's \`format\` option does.

Options:
  --secret S              a secret of the application; repeat for old secrets,
                          the current one first (as in the secrets option)
  --secret-env VAR        read a secret from environment variable VAR (repeatable);
                          keeps it out of the shell history and the process list
  --name N                the cookie name (default: the input's, else
                          ${DEFAULT_NAMES.native}, ${DEFAULT_NAMES.beaker} for beaker, ${DEFAULT_NAMES.remix}
                          for remix; a bare iron or cookie-rs value needs it);
                          the name is authenticated, so it must be the real one
  --format F              native (default), beaker, iron (iron-session, @hapi/iron),
                          remix (React Router, Remix) or cookie-rs (the cookie crate)
  --beaker-validate-key K   Beaker's session.validate_key
  --beaker-encrypt-key K    Beaker's session.encrypt_key (encrypted cookies)
  --beaker-crypto-type T    cryptography (AES-GCM, default) or pycryptodome (AES-CTR)
  --beaker-nonce-bits N     Beaker's nonce size in bits (default 128)
  --beaker-timeout S        Beaker's session.timeout in seconds (idle timeout)
  --iron-password P         iron-session's password, one string (opens any id)
  --iron-password ID=P      or a password map {ID: P}, ID a number: repeat
                            for each id (the highest id seals)
  --iron-password-env [ID=]VAR   the same, the password read from VAR
  --remix-secret S          one of cookie.secrets; repeat in the same order
                            (the first signs)
  --remix-secret-env VAR    the same, read from VAR (repeatable, order kept)
  --cookie-rs-key B64       the 64 bytes of Key::from, standard base64
  --cookie-rs-master-key K  the master key given to Key::derive_from
  --cookie-rs-key-env VAR, --cookie-rs-master-key-env VAR
                            the same, read from VAR
  --cookie-rs-jar J         private (default, encrypted) or signed
  --idle-timeout S        the idleTimeout option, in seconds
  --store-prefix P        the storePrefix option (default "session:")
  --now T                 judge expiry at T (ISO date or Unix milliseconds)
  --no-verify             without a secret: show what a signed value lets anyone
                          read (not authenticated); sealed values are refused,
                          and so are iron seals and cookie-rs private jars
  --json                  machine-readable output on stdout
  -h, --help              show this help

Exit status: 0 the cookie is valid (with --no-verify: its contents were shown),
1 it is not (expired, tampered, unknown key, sealed under --no-verify), 2 usage.
Secrets given here are never printed.
`,
};

// The flags of each foreign format; their secrets, and where the -env forms point.
const FORMAT_FLAGS = {
  iron: ["--iron-password", "--iron-password-env"],
  remix: ["--remix-secret", "--remix-secret-env"],
  "cookie-rs": ["--cookie-rs-key", "--cookie-rs-key-env", "--cookie-rs-master-key", "--cookie-rs-master-key-env", "--cookie-rs-jar"],
};
const SECRET_FLAGS = new Set([
  "--secret",
  "--beaker-validate-key",
  "--beaker-encrypt-key",
  "--iron-password",
  "--remix-secret",
  "--cookie-rs-key",
  "--cookie-rs-master-key",
]);

const INSPECT_VALUES = new Set([
  "--secret",
  "--secret-env",
  "--name",
  "--format",
  "--beaker-validate-key",
  "--beaker-encrypt-key",
  "--beaker-crypto-type",
  "--beaker-nonce-bits",
  "--beaker-timeout",
  ...Object.values(FORMAT_FLAGS).flat(),
  "--idle-timeout",
  "--store-prefix",
  "--now",
]);
const INSPECT_FLAGS = new Set(["--json", "--no-verify", "--help", "-h"]);

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const REASONS = {
  malformed: "not a value of this format (truncated, or not base64url)",
  unsupported_version: "written by a newer format version",
  unknown_key: "protected by a secret that is not among the given ones (rotated out, or another application)",
  bad_tag: "authentication failed: tampered with, truncated, or issued for another cookie name",
  bad_signature: "the signature does not match: tampered with, or signed with another key",
  bad_mac: "the MAC does not match: tampered with, or sealed with another password",
  unknown_password: "the seal names a password id that is not among the given ones (rotated out, or another application)",
  expired: "authentic, but past its expiry",
  idle_timeout: "authentic, but idle for longer than the idle timeout",
  too_large: "larger than the decoder accepts",
  not_object: "the payload is not a JSON object",
  too_deep: "the JSON nests deeper than the decoder accepts",
  no_store: "a store reference, but no store is configured",
  pickle_unsupported: "a pickled Beaker session: pickle is never deserialised (set session.data_serializer = json)",
};

// Every secret given, so that no output can carry one (belt and braces:
// nothing here prints an argument's value in the first place).
const secrets = [];

function redact(text) {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("<secret>");
  return out;
}
const print = (text = "") => process.stdout.write(redact(`${text}\n`));
const printErr = (text) => process.stderr.write(redact(`${text}\n`));

function usageError(command, message) {
  printErr(`edge-session${command ? ` ${command}` : ""}: ${message}`);
  printErr(`Run 'edge-session ${command ? `${command} ` : ""}--help' for usage.`);
  return 2;
}

function version() {
  try {
    return JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}

/** --flag value and --flag=value; values are never echoed in errors. */
function parseArgs(argv, valueFlags, boolFlags) {
  const values = {};
  const ordered = [];
  const flags = new Set();
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("-") && arg !== "-") {
      const eq = arg.indexOf("=");
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      if (valueFlags.has(flag)) {
        const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`${flag} needs a value`);
        if (SECRET_FLAGS.has(flag)) {
          secrets.push(value);
          // --iron-password ID=P: the password alone too.
          const pair = /^\d+=(.*)$/s.exec(value);
          if (flag === "--iron-password" && pair) secrets.push(pair[1]);
        }
        (values[flag] ??= []).push(value);
        ordered.push([flag, value]);
      } else if (boolFlags.has(flag) && eq < 0) {
        flags.add(flag);
      } else {
        throw new UsageError(`unknown option ${flag.replace(/[^\x21-\x7e]/g, "?")}`);
      }
    } else {
      positional.push(arg);
    }
  }
  return { values, ordered, flags, positional };
}

function one(values, flag) {
  const v = values[flag];
  if (v && v.length > 1) throw new UsageError(`${flag} given more than once`);
  return v?.[0];
}

function positiveInt(values, flag) {
  const v = one(values, flag);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`${flag} must be a whole number above 0`);
  return Number(v);
}

function relative(isoDate, now) {
  const s = Math.round((Date.parse(isoDate) - now) / 1000);
  if (s === 0) return "now";
  const a = Math.abs(s);
  const [n, unit] =
    a < 120 ? [a, "s"] : a < 7200 ? [Math.round(a / 60), "min"] : a < 172800 ? [Math.round(a / 3600), "h"] : [Math.round(a / 86400), "days"];
  return s >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** Aligned "label  value" lines; multi-line values stay in their column. */
function table(rows) {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows
    .map(([label, value]) =>
      String(value)
        .split("\n")
        .map((line, i) => (i === 0 ? label.padEnd(width) : " ".repeat(width)) + line)
        .join("\n"),
    )
    .join("\n");
}

function headerRows(h, key, now) {
  const rows = [
    ["format", `native v${h.version}`],
    ["mode", h.mode === "sealed" ? "sealed (AES-256-GCM)" : "signed (HMAC-SHA256, readable by the client)"],
    ["kind", { session: "session", pointer: "store reference (the session is spilled to the store)", reference: "store reference (0.1 layout; the session is spilled to the store)", blob: "store blob" }[h.kind] ?? h.kind],
  ];
  const keyText = {
    current: "opened with the current secret (the first --secret)",
    old: "opened with an old secret: loadSession re-seals it under the current one at the next save",
    unknown: "none of the given secrets",
  };
  rows.push(["key id", key ? `${h.keyId}, ${keyText[key]}` : h.keyId]);
  rows.push(["issued at", `${h.issuedAt} (${relative(h.issuedAt, now)})`]);
  rows.push(["expires at", `${h.expiresAt} (${relative(h.expiresAt, now)})`]);
  return rows;
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function readCookieArg(arg) {
  if (arg !== "-") return arg;
  try {
    return readFileSync(0, "utf8");
  } catch {
    throw new UsageError("could not read the cookie from standard input");
  }
}

function parseNow(text) {
  if (text === undefined) return Date.now();
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError("--now must be an ISO date or Unix milliseconds");
  return t;
}

/** Beaker's float seconds, with the ISO date. */
function beakerTime(seconds) {
  return `${seconds} (${new Date(seconds * 1000).toISOString()})`;
}

/** Beaker's signed cookies are readable: hex HMAC-SHA1 (40), then base64(zlib(json)). */
function peekBeaker(value) {
  const v = value.replace(/^"(.*)"$/, "$1");
  try {
    if (!/^[0-9a-f]{40}/.test(v)) throw new Error();
    const json = inflateSync(Buffer.from(v.slice(40), "base64")).toString("utf8");
    const dict = JSON.parse(json);
    if (!dict || typeof dict !== "object" || Array.isArray(dict)) throw new Error();
    const data = {};
    const fields = {};
    for (const [k, val] of Object.entries(dict)) (k.startsWith("_") ? fields : data)[k] = val;
    return { readable: true, id: fields._id ?? null, fields, data };
  } catch {
    return { readable: false };
  }
}

function secretCommand(argv) {
  const { flags, positional } = parseArgs(argv, new Set(), new Set(["--json", "--help", "-h"]));
  if (flags.has("--help") || flags.has("-h")) {
    process.stdout.write(USAGE.secret);
    return 0;
  }
  if (positional.length) throw new UsageError("takes no arguments");
  const secret = newSecret();
  print(flags.has("--json") ? JSON.stringify({ secret }) : secret);
  return 0;
}

/** A foreign format's keys as loadSession takes them, from the flags in the order given. */
function foreignKeys(format, given, values) {
  const list = (flag) => given.filter(([f]) => f === flag);
  if (format === "iron") {
    const entries = list("--iron-password");
    if (entries.length === 0) return {};
    const plain = entries.filter(([, , id]) => id === null);
    if (plain.length > 1) throw new UsageError("--iron-password given more than once: give several passwords as ID=P");
    if (plain.length && plain.length < entries.length) {
      throw new UsageError("--iron-password: give one password, or ID=P entries, not both");
    }
    if (plain.length) return { iron: { password: plain[0][1] } };
    const map = {};
    for (const [, p, id] of entries) {
      if (Object.hasOwn(map, id)) throw new UsageError(`--iron-password: id ${id} given more than once`);
      map[id] = p;
    }
    return { iron: { password: map } };
  }
  if (format === "remix") {
    const s = list("--remix-secret").map(([, v]) => v);
    return s.length ? { remix: { secrets: s } } : {};
  }
  if (format === "cookie-rs") {
    const key = list("--cookie-rs-key");
    const master = list("--cookie-rs-master-key");
    if (key.length > 1 || master.length > 1) throw new UsageError(`${key.length > 1 ? "--cookie-rs-key" : "--cookie-rs-master-key"} given more than once`);
    if (key.length && master.length) throw new UsageError("give --cookie-rs-key or --cookie-rs-master-key, not both");
    if (!key.length && !master.length) return {};
    return { cookieRs: { key: key[0]?.[1], masterKey: master[0]?.[1], jar: cookieRsJar(values) } };
  }
  return {};
}

function cookieRsJar(values) {
  const jar = one(values, "--cookie-rs-jar") ?? "private";
  if (jar !== "private" && jar !== "signed") throw new UsageError("--cookie-rs-jar must be private or signed");
  return jar;
}

/** How each format is opened: shown in place of a native header. */
function formatLabel(format, jar) {
  if (format === "iron") return "iron (Fe26.2 seal: AES-256-CBC and HMAC-SHA256)";
  if (format === "remix") return "remix (React Router: signed with HMAC-SHA256, readable by the client)";
  if (format === "cookie-rs") {
    return jar === "signed" ? "cookie-rs, signed jar (HMAC-SHA256, readable by the client)" : "cookie-rs, private jar (AES-256-GCM)";
  }
  return format;
}

/** What an iron seal says in the clear: the password id and the expiry it names. */
function ironRows(value, now) {
  const rows = [];
  const id = ironPasswordId(value);
  if (id !== null) rows.push(["password id", `${id} (named in the seal)`]);
  const exp = String(value).split("~")[0].split("*")[5];
  if (exp && /^\d+$/.test(exp)) {
    const at = new Date(Number(exp)).toISOString();
    rows.push(["expires at", `${at} (${relative(at, now)})`]);
  }
  return rows;
}

function inspectCommand(argv) {
  const { values, ordered, flags, positional } = parseArgs(argv, INSPECT_VALUES, INSPECT_FLAGS);
  if (flags.has("--help") || flags.has("-h")) {
    process.stdout.write(USAGE.inspect);
    return 0;
  }
  // Every key given, in order, the -env forms read: [flag without -env, value, iron id].
  const given = ordered
    .filter(([flag]) => SECRET_FLAGS.has(flag) || flag.endsWith("-env"))
    .map(([flag, v]) => {
      const pair = flag.startsWith("--iron-password") ? /^(\d+)=(.*)$/s.exec(v) : null;
      if (!flag.endsWith("-env")) return [flag, pair ? pair[2] : v, pair ? pair[1] : null];
      const name = pair ? pair[2] : v;
      const s = process.env[name];
      if (!s) throw new UsageError(`${flag}: the environment variable ${name.replace(/[^\w]/g, "?")} is not set`);
      secrets.push(s);
      return [flag.slice(0, -"-env".length), s, pair ? pair[1] : null];
    });
  const json = flags.has("--json");
  const noVerify = flags.has("--no-verify");
  const format = one(values, "--format") ?? "native";
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")}`);
  const beakerFlags = Object.keys(values).filter((f) => f.startsWith("--beaker-"));
  if (format !== "beaker" && beakerFlags.length) throw new UsageError(`${beakerFlags[0]} needs --format beaker`);
  for (const [f, list] of Object.entries(FORMAT_FLAGS)) {
    const used = list.find((flag) => values[flag]);
    if (used && format !== f) throw new UsageError(`${used} needs --format ${f}`);
  }
  if (FOREIGN.includes(format) && (values["--secret"] || values["--secret-env"])) {
    throw new UsageError(`--secret is for native cookies; --format ${format} takes ${FORMAT_FLAGS[format][0]}`);
  }
  const jar = format === "cookie-rs" ? cookieRsJar(values) : null;
  if (positional.length === 0) throw new UsageError("give the cookie to inspect (or - to read it from standard input)");
  if (positional.length > 1) throw new UsageError("give one cookie (quote a header that holds spaces or ;)");
  // In the order given: the first is the current secret, as in the secrets option.
  const secretList = given.filter(([flag]) => flag === "--secret").map(([, v]) => v);
  if (noVerify && (given.length || beakerFlags.length)) {
    throw new UsageError("--no-verify takes no secret: it shows what anyone can read without one");
  }
  const keys = foreignKeys(format, given, values);
  const now = parseNow(one(values, "--now"));
  const name = one(values, "--name");
  if (name !== undefined && !COOKIE_NAME.test(name)) throw new UsageError("--name must be a cookie name (an RFC 6265 token)");
  const parsed = parseInput(readCookieArg(positional[0]), format);
  const picked = pickCookie(parsed, name, format);
  const base = { name: picked.name, form: parsed.form };
  // Browsers keep a cookie whose name and value fit in 4096 bytes.
  if (picked.value !== null) base.size = { value: picked.value.length, nameAndValue: picked.name.length + 1 + picked.value.length };
  if (Object.keys(parsed.attributes).length) base.attributes = parsed.attributes;

  if (picked.value === null) {
    const result = { ...base, format, verified: !noVerify, valid: false, status: "new", reason: null, found: picked.found };
    if (json) print(JSON.stringify(result, null, 2));
    else {
      print(
        table([
          ["cookie", picked.name],
          ["found", picked.found.join(", ")],
          ["status", "new (no cookie by this name: loadSession starts a new session)"],
        ]),
      );
    }
    return 1;
  }

  if (noVerify) return noVerifyOutput(base, picked.value, format, now, json, jar);

  const result = {
    ...base,
    ...inspectValue(picked.value, {
      secrets: secretList,
      name: picked.name,
      format,
      beaker: {
        validateKey: one(values, "--beaker-validate-key"),
        encryptKey: one(values, "--beaker-encrypt-key"),
        cryptoType: one(values, "--beaker-crypto-type"),
        nonceBits: positiveInt(values, "--beaker-nonce-bits"),
        timeout: positiveInt(values, "--beaker-timeout"),
      },
      ...keys,
      idleTimeout: positiveInt(values, "--idle-timeout"),
      storePrefix: one(values, "--store-prefix"),
      now,
    }),
  };
  if (json) {
    print(JSON.stringify(result, null, 2));
    return result.valid ? 0 : 1;
  }
  const rows = [["cookie", result.name]];
  if (result.header) rows.push(...headerRows(result.header, result.key, now));
  else rows.push(["format", formatLabel(format, jar)]);
  if (format === "iron") rows.push(...ironRows(picked.value, now));
  if (result.attributes) rows.push(["attributes", attributeText(result.attributes)]);
  rows.push(["size", `${result.size.value} bytes (name and value: ${result.size.nameAndValue} of the 4096 browsers keep)`]);
  // A verified signed Beaker cookie is readable: show its times too.
  const beakerTimes = format === "beaker" && result.valid ? peekBeaker(picked.value).fields : null;
  for (const k of ["_creation_time", "_accessed_time"]) {
    if (typeof beakerTimes?.[k] === "number") rows.push([k.slice(1).replace("_", " "), beakerTime(beakerTimes[k])]);
  }
  if (result.storeKey) {
    rows.push(["status", "valid (the reference opened; the session data is in the store)"]);
    rows.push(["store key", result.storeKey]);
  } else {
    rows.push(["status", result.status]);
    if (result.reason) rows.push(["reason", `${result.reason}${REASONS[result.reason] ? `: ${REASONS[result.reason]}` : ""}`]);
    if (result.valid) {
      // iron, React Router and cookie-rs sessions have no id of their own.
      if (result.id !== null) rows.push(["id", result.id]);
      if (result.flash && Object.keys(result.flash).length) rows.push(["flash", pretty(result.flash)]);
      rows.push(["data", pretty(result.data)]);
    }
  }
  print(table(rows));
  return result.valid ? 0 : 1;
}

function attributeText(attributes) {
  return Object.entries(attributes)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join("; ");
}

const KEY_FLAGS = {
  native: "--secret",
  beaker: "--beaker-validate-key",
  iron: "--iron-password",
  remix: "--remix-secret",
  "cookie-rs": "--cookie-rs-key or --cookie-rs-master-key",
};

function noVerifyOutput(base, value, format, now, json, jar) {
  const warning = `NOT VERIFIED: anyone can write a value like this; only ${KEY_FLAGS[format]} proves it authentic`;
  const size = ["size", `${base.size.value} bytes (name and value: ${base.size.nameAndValue} of the 4096 browsers keep)`];
  if (FOREIGN.includes(format)) return noVerifyForeign(base, value, format, now, json, jar, warning, size);
  if (format === "beaker") {
    const b = peekBeaker(value);
    const result = { ...base, format, verified: false, readable: b.readable, id: b.id ?? null, fields: b.fields ?? null, data: b.data ?? null };
    if (json) print(JSON.stringify(result, null, 2));
    if (!b.readable) {
      printErr("edge-session inspect: this Beaker value is not readable without its keys (encrypted, or not a Beaker cookie); pass --beaker-validate-key and --beaker-encrypt-key");
      return 1;
    }
    if (!json) {
      const rows = [["cookie", base.name], ["format", "beaker (signed)"], size, ["verified", warning], ["id", b.id ?? "(none)"]];
      for (const [k, v] of Object.entries(b.fields)) {
        if (k === "_id") continue;
        rows.push([k, typeof v === "number" && /_time$/.test(k) ? beakerTime(v) : JSON.stringify(v)]);
      }
      rows.push(["data", pretty(b.data)]);
      print(table(rows));
    }
    return 0;
  }
  const p = peekValue(value);
  const result = { ...base, format, ...p };
  if (json) print(JSON.stringify(result, null, 2));
  if (!p.header) {
    if (!json) print(table([["cookie", base.name], ["status", "invalid"], ["reason", `${p.reason}: ${REASONS[p.reason] ?? ""}`]]));
    return 1;
  }
  if (p.sealed) {
    if (!json) print(table([["cookie", base.name], ...headerRows(p.header, null, now)]));
    printErr(
      "edge-session inspect: this value is sealed (AES-256-GCM): its data cannot be read without the secret, " +
        "and nothing in it can be trusted without one. Pass --secret to decrypt and verify it.",
    );
    return 1;
  }
  if (!json) {
    const rows = [["cookie", base.name], ...headerRows(p.header, null, now), size, ["verified", warning]];
    if (p.header.kind !== "session") rows.push(["payload", "a store reference: pass --secret to see the store key"]);
    else if (p.reason) rows.push(["payload", `unreadable (${p.reason})`]);
    else {
      rows.push(["id", p.id]);
      if (p.flash && Object.keys(p.flash).length) rows.push(["flash", pretty(p.flash)]);
      rows.push(["data", pretty(p.data)]);
    }
    print(table(rows));
  }
  return p.reason ? 1 : 0;
}

/** --no-verify for iron, React Router and cookie-rs: signed values are read, encrypted ones refused. */
function noVerifyForeign(base, value, format, now, json, jar, warning, size) {
  const head = [["cookie", base.name], ["format", formatLabel(format, jar)]];
  if (format === "iron" || jar === "private") {
    const result = { ...base, format, ...(jar ? { jar } : {}), verified: false, readable: false, sealed: true, data: null };
    if (json) print(JSON.stringify(result, null, 2));
    else print(table([...head, ...(format === "iron" ? ironRows(value, now) : []), size]));
    printErr(
      format === "iron"
        ? "edge-session inspect: an iron seal is encrypted (AES-256-CBC): its data cannot be read without the password, " +
            "and nothing in it can be trusted without one. Pass --iron-password to decrypt and verify it."
        : "edge-session inspect: a cookie-rs private-jar value is encrypted (AES-256-GCM): its data cannot be read without the key, " +
            "and nothing in it can be trusted without one. Pass --cookie-rs-key or --cookie-rs-master-key " +
            "(or --cookie-rs-jar signed, for a signed jar's value).",
    );
    return 1;
  }
  const p = peekForeign(value, format);
  const result = { ...base, format, ...(jar ? { jar } : {}), verified: false, readable: p.readable, data: p.data, flash: p.flash };
  if (json) print(JSON.stringify(result, null, 2));
  if (!p.readable) {
    if (!json) print(table([...head, size]));
    printErr(
      format === "remix"
        ? "edge-session inspect: this value is not readable as a React Router cookie (base64 of a JSON object, a dot, a signature)"
        : "edge-session inspect: this value is not readable as a cookie-rs signed-jar value (a 44-character signature, then a JSON object)",
    );
    return 1;
  }
  if (!json) {
    const rows = [...head, size, ["verified", warning]];
    if (Object.keys(p.flash).length) rows.push(["flash", pretty(p.flash)]);
    rows.push(["data", pretty(p.data)]);
    print(table(rows));
  }
  return 0;
}

function main(argv) {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        process.stderr.write(USAGE.main);
        return 2;
      case "-h":
      case "--help":
        process.stdout.write(USAGE.main);
        return 0;
      case "-v":
      case "--version":
        print(version());
        return 0;
      case "help": {
        const topic = rest[0] ?? "main";
        if (!USAGE[topic] || rest.length > 1) return usageError("", "help takes one of: secret, inspect");
        process.stdout.write(USAGE[topic]);
        return 0;
      }
      case "secret":
        return secretCommand(rest);
      case "inspect":
        return inspectCommand(rest);
      default:
        // Not echoed: a mistyped command line may hold a secret.
        return usageError("", "unknown command (expected secret, inspect or help)");
    }
  } catch (e) {
    if (e instanceof UsageError) return usageError(["secret", "inspect"].includes(command) ? command : "", e.message);
    printErr(`edge-session: internal error: ${e?.message ?? e}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
