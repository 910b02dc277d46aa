// One cold start in a fresh Node process (spawned by benches/coldstart.mjs):
// import the glue and driver, compile and instantiate the .wasm, then the
// first loadSession (which also builds the codec: HKDF of the secret), a
// second one, and the first saveSession of a change. Prints one JSON line of
// milliseconds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, cookie, secret] = process.argv.slice(2);
const url = (f) => pathToFileURL(join(pkg, f)).href;

const t0 = performance.now();
const glue = await import(url("edge_session.js"));
const core = await import(url("core.js"));
const t1 = performance.now();
const bytes = readFileSync(join(pkg, "edge_session_bg.wasm"));
const t2 = performance.now();
const module = await WebAssembly.compile(bytes);
const t3 = performance.now();
glue.initSync({ module });
(await import(url("internal.js"))).useGlue(glue, false);
const t4 = performance.now();
const session = await core.loadSession(cookie, { secrets: [secret] });
const t5 = performance.now();
await core.loadSession(cookie, { secrets: [secret] });
const t6 = performance.now();
session.set("n", 1);
const t7 = performance.now();
const cookies = await core.saveSession(session);
const t8 = performance.now();
if (cookies.length !== 1) throw new Error("cold start: the first save set no cookie");
if (session.status !== "valid") throw new Error(`cold start: the first load gave status ${session.status}`);
process.stdout.write(
  JSON.stringify({
    importJs: t1 - t0,
    readFile: t2 - t1,
    compile: t3 - t2,
    instantiate: t4 - t3,
    firstLoad: t5 - t4,
    secondLoad: t6 - t5,
    firstSave: t8 - t7,
  }) + "\n",
);
