// Writes the seed corpora of the fuzz targets from the test vectors:
//   node fuzz/seed.mjs            -> fuzz/corpus/<target>/seed-<sha1>
// The corpora are git-ignored; run this again whenever the vectors change
// (`make fuzz-smoke` does). Each seed starts with the selector byte its target
// reads first (see the header comment of each file in fuzz/fuzz_targets/);
// cookie_header reads none.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const corpus = (target) => {
  const dir = `${root}fuzz/corpus/${target}`;
  mkdirSync(dir, { recursive: true });
  return dir;
};
const counts = {};

function seed(target, selector, ...parts) {
  const head = selector === null ? [] : [Buffer.from([selector])];
  const body = Buffer.concat([...head, ...parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p)))]);
  const name = `seed-${createHash("sha1").update(body).digest("hex")}`;
  writeFileSync(`${corpus(target)}/${name}`, body);
  counts[target] = (counts[target] ?? 0) + 1;
}

// --- the native format: tests/vectors/native.json ---------------------------------------------
const native = JSON.parse(readFileSync(`${root}tests/vectors/native.json`, "utf8")).vectors;
const KIND = { session: 0, reference: 1, blob: 2 };
const COOKIE = "__Host-session";
for (const v of native) {
  const mode = v.mode === "signed" ? 0x10 : 0;
  // 0: the value itself; 2: inside a Cookie header, alone and among others.
  seed("native_decode", 0, v.value);
  seed("native_decode", 2, `${v.cookie_name}=${v.value}`);
  seed("native_decode", 2, `a=1; ${v.cookie_name}="${v.value}"; ${v.cookie_name}=dup`);
  // 1: the payload, sealed by the target as the given kind and mode.
  const payload = v.kind === "reference" ? Buffer.from(v.payload, "latin1") : Buffer.from(v.payload, "utf8");
  seed("native_decode", 1 | (KIND[v.kind] << 2) | mode, payload);
  seed("native_decode", 1 | (KIND[v.kind] << 2) | mode | 0x20, payload);
  const doc = v.kind === "session" ? JSON.parse(v.payload) : null;
  if (typeof doc?.i === "string") {
    // 3: a spilled session: id length, id, document.
    const id = doc.i;
    seed("native_decode", 3 | mode, Buffer.from([id.length]), id, v.payload);
    // round_trip, raw mode (0x40): the data object of the document as text.
    const data = JSON.stringify(doc.d);
    for (const sel of [0x40, 0x41, 0x42, 0x43, 0x45]) seed("round_trip", sel, data);
  }
  // cookie_header reads no selector: the whole input is the header.
  seed("cookie_header", null, `${v.cookie_name}=${v.value}`);
  seed("cookie_header", null, `other=1; ${v.cookie_name}=${v.value}; ${v.cookie_name}=second`);
}
for (const h of [`${COOKIE}=`, `${COOKIE}="quoted"`, " a = 1 ;;\tb=\"q\"; =x; c=; d=\"unterminated", "x=%E0%A4%A; y=\u00e9"]) {
  seed("cookie_header", null, h);
}
// round_trip, structured mode: a few short inputs for the generator.
for (let i = 0; i < 16; i++) seed("round_trip", i & 7, Buffer.from([i * 13, i * 7, 200 - i, i, 5, 6, 7, 8, 9, 10]));

// --- Beaker: tests/vectors/beaker.json (when it exists) --------------------------------------
const beakerFile = `${root}tests/vectors/beaker.json`;
if (existsSync(beakerFile)) {
  const beaker = JSON.parse(readFileSync(beakerFile, "utf8"));
  // The key sets of fuzz_targets/beaker_decode.rs, in its order.
  const SETUPS = ["signed", "gcm128", "ctr128", "gcm48", "ctr48"];
  for (const v of [...beaker.valid, ...beaker.invalid]) {
    const i = SETUPS.indexOf(v.keys);
    if (i < 0) continue;
    seed("beaker_decode", (i << 2) | 0, v.cookie);
    if (v.data) {
      // 3: the session dict as Beaker writes it, compressed and sealed by the target.
      const dict = `{"_domain": ${JSON.stringify(v.domain ?? null)}, "_path": ${JSON.stringify(v.path ?? "/")}, "_id": "${v.id}", ${v.data.slice(1, -1)}${v.data === "{}" ? "" : ", "}"_creation_time": ${v.creation_time}, "_accessed_time": ${v.accessed_time}}`;
      for (let s = 0; s < SETUPS.length; s++) seed("beaker_decode", (s << 2) | 3, dict);
    }
  }
}

// --- json_check: whole vector files and the native payloads, as JSON texts ---------------------
for (const f of ["native.json", "options.json"]) seed("json_check", null, readFileSync(`${root}tests/vectors/${f}`));
for (const v of native) if (v.kind !== "reference") seed("json_check", null, v.payload);

for (const [t, n] of Object.entries(counts)) console.log(`fuzz/corpus/${t}: ${n} seeds`);
