// The CLI's argument parsing: flags, values, and the keys given (from the
// command line or the environment). Values are never echoed in errors.
import { readFileSync } from "node:fs";
import { UsageError } from "./inspect.js";

// The flags of each foreign format; their secrets, and where the -env forms point.
export const FORMAT_FLAGS = {
  iron: ["--iron-password", "--iron-password-env"],
  remix: ["--remix-secret", "--remix-secret-env"],
  "cookie-rs": ["--cookie-rs-key", "--cookie-rs-key-env", "--cookie-rs-master-key", "--cookie-rs-master-key-env", "--cookie-rs-jar"],
};
export const SECRET_FLAGS = new Set([
  "--secret",
  "--beaker-validate-key",
  "--beaker-encrypt-key",
  "--iron-password",
  "--remix-secret",
  "--cookie-rs-key",
  "--cookie-rs-master-key",
]);

export const INSPECT_VALUES = new Set([
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
export const INSPECT_FLAGS = new Set(["--json", "--no-verify", "--help", "-h"]);

export const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Every secret given, so that no output can carry one (belt and braces:
// nothing here prints an argument's value in the first place).
export const secrets = [];

/** --flag value and --flag=value; values are never echoed in errors. */
export function parseArgs(argv, valueFlags, boolFlags) {
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

export function one(values, flag) {
  const v = values[flag];
  if (v && v.length > 1) throw new UsageError(`${flag} given more than once`);
  return v?.[0];
}

export function positiveInt(values, flag) {
  const v = one(values, flag);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`${flag} must be a whole number above 0`);
  return Number(v);
}

export function readCookieArg(arg) {
  if (arg !== "-") return arg;
  try {
    return readFileSync(0, "utf8");
  } catch {
    throw new UsageError("could not read the cookie from standard input");
  }
}

export function parseNow(text) {
  if (text === undefined) return Date.now();
  const t = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError("--now must be an ISO date or Unix milliseconds");
  return t;
}

/** A foreign format's keys as loadSession takes them, from the flags in the order given. */
export function foreignKeys(format, given, values) {
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

export function cookieRsJar(values) {
  const jar = one(values, "--cookie-rs-jar") ?? "private";
  if (jar !== "private" && jar !== "signed") throw new UsageError("--cookie-rs-jar must be private or signed");
  return jar;
}
