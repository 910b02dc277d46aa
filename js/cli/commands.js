// The CLI's commands: `secret`, `inspect` and `help`, and the dispatch.
// Exit status: 0 success (a valid cookie), 1 a cookie that is not valid,
// 2 a usage error.
import {
  COOKIE_NAME,
  FORMAT_FLAGS,
  INSPECT_FLAGS,
  INSPECT_VALUES,
  SECRET_FLAGS,
  cookieRsJar,
  foreignKeys,
  one,
  parseArgs,
  parseNow,
  positiveInt,
  readCookieArg,
  secrets,
} from "./args.js";
import {
  FOREIGN,
  FORMATS,
  UsageError,
  inspectValue,
  newSecret,
  parseInput,
  peekBeakerValue,
  peekForeign,
  peekValue,
  pickCookie,
} from "./inspect.js";
import {
  KEY_FLAGS,
  REASONS,
  USAGE,
  attributeText,
  beakerTime,
  formatLabel,
  headerRows,
  ironRows,
  pretty,
  print,
  printErr,
  table,
  usageError,
  version,
} from "./render.js";

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
  const beakerTimes = format === "beaker" && result.valid ? peekBeakerValue(picked.value).fields : null;
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

function noVerifyOutput(base, value, format, now, json, jar) {
  const warning = `NOT VERIFIED: anyone can write a value like this; only ${KEY_FLAGS[format]} proves it authentic`;
  const size = ["size", `${base.size.value} bytes (name and value: ${base.size.nameAndValue} of the 4096 browsers keep)`];
  if (FOREIGN.includes(format)) return noVerifyForeign(base, value, format, now, json, jar, warning, size);
  if (format === "beaker") {
    const b = peekBeakerValue(value);
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

export function main(argv) {
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
