// The CLI's output: help texts, the aligned tables, and print/printErr,
// which redact every secret given.
import { readFileSync } from "node:fs";
import { DEFAULT_NAMES, ironSeal } from "./inspect.js";
import { secrets } from "./args.js";

export const USAGE = {
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

export const REASONS = {
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

function redact(text) {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join("<secret>");
  return out;
}
export const print = (text = "") => process.stdout.write(redact(`${text}\n`));
export const printErr = (text) => process.stderr.write(redact(`${text}\n`));

export function usageError(command, message) {
  printErr(`edge-session${command ? ` ${command}` : ""}: ${message}`);
  printErr(`Run 'edge-session ${command ? `${command} ` : ""}--help' for usage.`);
  return 2;
}

export function version() {
  try {
    return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}

export function relative(isoDate, now) {
  const s = Math.round((Date.parse(isoDate) - now) / 1000);
  if (s === 0) return "now";
  const a = Math.abs(s);
  const [n, unit] =
    a < 120 ? [a, "s"] : a < 7200 ? [Math.round(a / 60), "min"] : a < 172800 ? [Math.round(a / 3600), "h"] : [Math.round(a / 86400), "days"];
  return s >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
}

/** Aligned "label  value" lines; multi-line values stay in their column. */
export function table(rows) {
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

export function headerRows(h, key, now) {
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

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** Beaker's float seconds, with the ISO date. */
export function beakerTime(seconds) {
  return `${seconds} (${new Date(seconds * 1000).toISOString()})`;
}

/** How each format is opened: shown in place of a native header. */
export function formatLabel(format, jar) {
  if (format === "iron") return "iron (Fe26.2 seal: AES-256-CBC and HMAC-SHA256)";
  if (format === "remix") return "remix (React Router: signed with HMAC-SHA256, readable by the client)";
  if (format === "cookie-rs") {
    return jar === "signed" ? "cookie-rs, signed jar (HMAC-SHA256, readable by the client)" : "cookie-rs, private jar (AES-256-GCM)";
  }
  return format;
}

/** What an iron seal says in the clear (the core reads it): the password id and the expiry it names. */
export function ironRows(value, now) {
  const rows = [];
  const { passwordId, expiresAt } = ironSeal(value);
  if (passwordId !== null) rows.push(["password id", `${passwordId} (named in the seal)`]);
  if (expiresAt !== null) {
    const at = new Date(expiresAt).toISOString();
    rows.push(["expires at", `${at} (${relative(at, now)})`]);
  }
  return rows;
}

export function attributeText(attributes) {
  return Object.entries(attributes)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join("; ");
}

export const KEY_FLAGS = {
  native: "--secret",
  beaker: "--beaker-validate-key",
  iron: "--iron-password",
  remix: "--remix-secret",
  "cookie-rs": "--cookie-rs-key or --cookie-rs-master-key",
};
