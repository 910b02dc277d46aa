// The floor: what the bare primitives cost on the very bytes the codec
// handles, inside the same wasm module (target/bench/pkg, cargo feature
// `bench`), against what the codec costs for the same work.
//
//   load floor  = base64url decode (the cookie value)
//               + AES-256-GCM open (sealed) or HMAC-SHA256 (signed) of the document
//               + JSON validation of the document
//   save floor  = JSON validation of the new data
//               + AES-256-GCM seal or HMAC-SHA256 of the new document
//               + base64url encode of the new value's bytes
//
// The primitives loop inside wasm (one JS call per batch); the codec is timed
// per call through its wasm-bindgen exports (Codec.load / Codec.save, strings
// in and out), and through the JS API (loadSession / saveSession), which adds
// JSON.parse / JSON.stringify of the session in JS (timed too, as a JS floor).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_PKG } from "./build.mjs";
import { MAX_AGE, SECRET, sessionData } from "./fixture.mjs";
import { median, round } from "./stats.mjs";

const HEADER = 16;
const NONCE = 12;
const TAG = 16;
const MAC = 32;
const AAD = 40; // header + context for a `__Host-session` cookie

/** Captures the receiver and arguments of the next call to each method. */
function capture(proto, names) {
  const seen = {};
  const originals = Object.fromEntries(names.map((n) => [n, proto[n]]));
  for (const n of names) {
    proto[n] = function (...args) {
      seen[n] ??= { self: this, args };
      return originals[n].apply(this, args);
    };
  }
  return {
    seen,
    restore() {
      for (const n of names) proto[n] = originals[n];
    },
  };
}

/**
 * Timings taken in interleaved rounds: add(batch) registers `batch(n)` (which
 * runs n iterations) and returns a slot that holds its µs per iteration,
 * the median over rounds, once run() is done.
 */
function timer({ n, rounds }) {
  const jobs = [];
  return {
    add(batch) {
      const job = { batch, xs: [], us: NaN };
      jobs.push(job);
      return job;
    },
    run() {
      for (const j of jobs) j.batch(Math.max(1, n >> 3)); // warm-up
      for (let r = 0; r < rounds; r++) {
        for (const j of jobs) {
          const t0 = performance.now();
          j.batch(n);
          j.xs.push(((performance.now() - t0) * 1000) / n);
        }
      }
      for (const j of jobs) j.us = round(median(j.xs));
    },
  };
}

async function timeAsync(fn, { n, rounds }) {
  for (let i = 0; i < Math.max(1, n >> 3); i++) await fn();
  const xs = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    xs.push(((performance.now() - t0) * 1000) / n);
  }
  return median(xs);
}

const perCall = (fn) => (n) => {
  for (let i = 0; i < n; i++) fn();
};

export async function floorBench({ quick, log }) {
  const glue = await import(pathToFileURL(join(BENCH_PKG, "edge_session.js")).href);
  glue.initSync({ module: readFileSync(join(BENCH_PKG, "edge_session_bg.wasm")) });
  const core = await import(pathToFileURL(join(BENCH_PKG, "core.js")).href);
  // This breakdown is of the wasm codec with its own software crypto: codecs
  // built from here on keep the bulk crypto in wasm.
  const { internal, useGlue } = await import(pathToFileURL(join(BENCH_PKG, "internal.js")).href);
  useGlue(glue, false);
  const platform = internal.crypto;
  internal.crypto = null;
  try {
    return await breakdown(glue, core, quick, log);
  } finally {
    internal.crypto = platform;
  }
}

async function breakdown(glue, core, quick, log) {
  const plan = quick ? { n: 40, rounds: 2 } : { n: 600, rounds: 15 };
  const enc = new TextEncoder();
  const prim = new glue.Primitives();
  const keyTimer = timer(plan);
  const aesSetup = keyTimer.add((n) => glue.aesKeySetupLoop(n));
  const hmacSetup = keyTimer.add((n) => glue.hmacKeySetupLoop(n));
  keyTimer.run();
  const out = { keySetup: { aesUs: aesSetup.us, hmacUs: hmacSetup.us }, modes: {} };
  for (const mode of ["sealed", "signed"]) {
    log(`bench: floor, ${mode}`);
    // maxDepth: its own cached codec, apart from the other sections' (platform crypto).
    const options = { secrets: [SECRET], mode, maxAge: MAX_AGE, limits: { maxDepth: 63 } };
    const fresh = await core.loadSession("", options);
    for (const [k, v] of Object.entries(sessionData())) fresh.set(k, v);
    const cookie = (await core.saveSession(fresh))[0].split(";")[0];
    const value = cookie.slice(cookie.indexOf("=") + 1);

    // The exact calls the JS driver makes for load + change + save.
    const cap = capture(glue.Codec.prototype, ["load", "save"]);
    let change;
    try {
      const s = await core.loadSession(cookie, options);
      s.get("cart")[0].qty += 1;
      change = await core.saveSession(s);
    } finally {
      cap.restore();
    }
    if (change.length !== 1 || !cap.seen.load || !cap.seen.save) throw new Error("bench: floor could not capture the codec calls");
    const codec = cap.seen.load.self;
    const loadArgs = cap.seen.load.args;
    const saveArgs = cap.seen.save.args;
    const loaded = JSON.parse(codec.load(...loadArgs));
    const dataText = JSON.stringify(loaded.data);
    const newData = saveArgs[1];
    // The document as the core writes it: id, start of the absolute period,
    // the mark that the data is JSON.stringify's text, data.
    const started = loaded.meta.split(" ")[2];
    const doc = enc.encode(`{"i":"${loaded.id}","c":${started},"j":1,"d":${dataText}}`);
    const newDoc = enc.encode(`{"i":"${loaded.id}","c":${started},"j":1,"d":${newData}}`);
    const bodyExtra = mode === "sealed" ? NONCE + TAG : MAC;
    const raw = glue.base64Decode(value);
    if (!raw || raw.length !== HEADER + doc.length + bodyExtra) {
      throw new Error(`bench: floor bytes do not match the cookie (${raw?.length} vs ${HEADER + doc.length + bodyExtra})`);
    }
    const withAad = (d) => {
      const b = new Uint8Array(AAD + d.length);
      b.set(d, AAD);
      return b;
    };
    const sealedDoc = prim.aesGcmSeal(doc);
    const aadDoc = withAad(doc);
    const aadNewDoc = withAad(newDoc);
    const newRaw = new Uint8Array(HEADER + newDoc.length + bodyExtra).map((_, i) => (i * 31) & 255);
    const docText = new TextDecoder().decode(doc);

    const tm = timer(plan);
    const t = (batch) => tm.add(batch);
    const loop = {
      base64Decode: t((n) => glue.base64DecodeLoop(value, n)),
      crypto:
        mode === "sealed"
          ? t((n) => glue.aesGcmOpenLoop(sealedDoc, n))
          : t((n) => glue.hmacSha256Loop(aadDoc, n)),
      jsonValidate: t((n) => glue.jsonValidateLoop(docText, n)),
    };
    const saveLoop = {
      jsonValidate: t((n) => glue.jsonValidateLoop(newData, n)),
      crypto:
        mode === "sealed"
          ? t((n) => glue.aesGcmSealLoop(newDoc, n))
          : t((n) => glue.hmacSha256Loop(aadNewDoc, n)),
      base64Encode: t((n) => glue.base64EncodeLoop(newRaw, n)),
    };
    // The same primitives, one JS call each (string and byte copies included).
    const single = {
      load: t(
        perCall(() => {
          glue.base64Decode(value);
          if (mode === "sealed") prim.aesGcmOpen(sealedDoc);
          else prim.hmacSha256(aadDoc);
          glue.jsonValidate(docText);
        }),
      ),
      save: t(
        perCall(() => {
          glue.jsonValidate(newData);
          if (mode === "sealed") prim.aesGcmSeal(newDoc);
          else prim.hmacSha256(aadNewDoc);
          glue.base64Encode(newRaw);
        }),
      ),
    };
    const codecUs = {
      load: t(perCall(() => codec.load(...loadArgs))),
      save: t(perCall(() => codec.save(...saveArgs))),
    };
    // The JSON work the JS driver cannot avoid: parse the loaded data, and
    // stringify it (the snapshot at load, the state at save).
    const obj = JSON.parse(dataText);
    const jsJson = {
      parse: t(perCall(() => JSON.parse(dataText))),
      stringify: t(perCall(() => JSON.stringify(obj))),
    };
    tm.run();
    const us = (o) => Object.fromEntries(Object.entries(o).map(([k, j]) => [k, j.us]));
    for (const o of [loop, saveLoop, single, codecUs, jsJson]) Object.assign(o, us(o));
    const apiUs = {
      load: round(await timeAsync(() => core.loadSession(cookie, options), plan)),
      change: round(
        await timeAsync(async () => {
          const s = await core.loadSession(cookie, options);
          s.get("cart")[0].qty += 1;
          await core.saveSession(s);
        }, plan),
      ),
    };
    const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
    const floorLoad = sum(loop);
    const floorSave = sum(saveLoop);
    out.modes[mode] = {
      bytes: { cookieValue: value.length, document: doc.length, newDocument: newDoc.length },
      floor: { load: loop, save: saveLoop, loadUs: round(floorLoad), saveUs: round(floorSave) },
      singleShotFloorUs: single,
      codecUs,
      multiple: {
        load: round(codecUs.load / floorLoad, 3),
        save: round(codecUs.save / floorSave, 3),
        loadAndSave: round((codecUs.load + codecUs.save) / (floorLoad + floorSave), 3),
      },
      jsJsonFloorUs: jsJson,
      apiUs,
      apiMultiple: {
        load: round(apiUs.load / (floorLoad + jsJson.parse + jsJson.stringify), 3),
        change: round(apiUs.change / (floorLoad + floorSave + jsJson.parse + 2 * jsJson.stringify), 3),
      },
    };
  }
  prim.free();
  return out;
}
