// Runs the demo Worker locally on workerd through Miniflare's API, with local KV.
//
//   node js/demo/serve.mjs            http://localhost:8787 (PORT=... to change)
//
// `wrangler dev` wants the network (Request.cf, update checks); Miniflare does
// not. Settings come from wrangler.toml, so both ways run the same Worker.
// Needs `make package` (pkg/) and the dev dependencies in tests/node_modules.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");

function loadMiniflare() {
  // miniflare is a dev dependency of tests/, not of the repository root.
  const require = createRequire(path.join(root, "tests", "package.json"));
  try {
    return require("miniflare").Miniflare;
  } catch (e) {
    throw new Error(`miniflare is missing: run \`cd tests && npm ci\` (or \`make demo\`). ${e.message}`);
  }
}

/** The few wrangler.toml settings the demo needs (a flat read, not a TOML parser). */
export function wranglerConfig(file = path.join(root, "wrangler.toml")) {
  const toml = readFileSync(file, "utf8");
  const str = (key) => toml.match(new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
  const config = {
    main: str("main"),
    compatibilityDate: str("compatibility_date"),
    secret: str("SESSION_SECRET"),
  };
  for (const [k, v] of Object.entries(config)) {
    if (!v) throw new Error(`wrangler.toml: no ${k} found`);
  }
  return config;
}

/**
 * Starts the demo. `port: 0` picks a free port. `persist`: a directory for the
 * local KV data, or false (the default) to keep it in memory.
 * Returns { url, mf, dispose }; `mf.getKVNamespace("SESSIONS")` reads the KV.
 */
export async function start({ port = 8787, host = "127.0.0.1", persist = false } = {}) {
  const config = wranglerConfig();
  const scriptPath = path.join(root, config.main);
  const wasm = path.join(root, "pkg", "edge_session_bg.wasm");
  try {
    readFileSync(wasm);
  } catch {
    throw new Error("pkg/ is not built: run `make package` first");
  }
  const Miniflare = loadMiniflare();
  const mf = new Miniflare({
    name: "edge-session-demo",
    modules: true,
    scriptPath,
    // The Worker imports ../../pkg/workerd.js, which imports the .wasm: module
    // names are resolved against the repository root.
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: config.compatibilityDate,
    kvNamespaces: ["SESSIONS"],
    kvPersist: persist || false,
    durableObjects: { SESSION_DO: "SessionDurableObject" },
    durableObjectsPersist: persist || false,
    bindings: { SESSION_SECRET: process.env.SESSION_SECRET ?? config.secret },
    host,
    port,
  });
  let ready;
  try {
    ready = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  const url = new URL(ready);
  if (url.hostname === "127.0.0.1" || url.hostname === "[::1]") url.hostname = "localhost";
  return {
    url: url.origin,
    mf,
    dispose: () => mf.dispose(),
  };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = process.env.PORT ? Number.parseInt(process.env.PORT, 10) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  let demo;
  try {
    demo = await start({ port, persist: path.join(root, "target", "demo-kv") });
  } catch (e) {
    console.error(`edge-session demo failed to start: ${e.message}`);
    process.exit(1);
  }
  console.log(`edge-session demo: ${demo.url}`);
  console.log("Sessions persist in target/demo-kv. Press Ctrl-C to stop.");
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await demo.dispose().catch(() => {});
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
