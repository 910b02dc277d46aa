// Helpers for tests that use the built package by its name, as an application
// would: `import ... from "edge-session"` and "edge-session/hono".
//   stage(name)         target/<name>/ with node_modules/edge-session -> pkg/ and
//                       node_modules/hono -> tests/node_modules/hono (symlinks)
//   bundleWorker(...)   esbuild with wrangler's conditions (workerd, worker, browser);
//                       the .wasm stays an import, for Miniflare's CompiledWasm rule
//   workerd(...)        a Miniflare instance over a bundle, with a KV namespace
//   workerModules(w)    Miniflare modules for a Worker that imports "edge-session", unbundled
//   testWorker(f, o)    Miniflare over tests/workerd/<f>, which imports ../../pkg/ directly
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const esbuild = require("esbuild");

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const pkgDir = path.join(root, "pkg");

/**
 * A fresh target/<name>/ where "edge-session" and "hono" resolve as if
 * installed. `copy: true` copies pkg/ instead of linking it, for tools that
 * resolve from a file's real path (tsc: pkg/hono.d.ts imports "hono").
 */
export function stage(name, { copy = false } = {}) {
  const dir = path.join(root, "target", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  const link = (target, name) =>
    symlinkSync(path.relative(path.join(dir, "node_modules"), target), path.join(dir, "node_modules", name), "dir");
  if (copy) cpSync(pkgDir, path.join(dir, "node_modules", "edge-session"), { recursive: true });
  else link(pkgDir, "edge-session");
  link(path.join(root, "tests", "node_modules", "hono"), "hono");
  return dir;
}

/** Bundles `entry` into `outdir/worker.js` the way wrangler does; the .wasm is copied beside it. */
export async function bundleWorker(entry, outdir, nodeModules) {
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(outdir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker"],
    external: ["*.wasm"],
    nodePaths: nodeModules ? [nodeModules] : [],
    metafile: true,
    logLevel: "silent",
  });
  copyFileSync(path.join(pkgDir, "edge_session_bg.wasm"), path.join(outdir, "edge_session_bg.wasm"));
  const formats = "formats/edge_session_formats_bg.wasm";
  copyFileSync(path.join(pkgDir, formats), path.join(outdir, path.basename(formats)));
  return { script: path.join(outdir, "worker.js"), inputs: Object.keys(result.metafile.inputs) };
}

/** Miniflare (workerd) running a bundle, with KV bound as SESSIONS. */
export async function workerd(script, bindings) {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: path.dirname(script),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["SESSIONS"],
    bindings,
  });
  await mf.ready;
  return mf;
}

/**
 * Miniflare over a test Worker in tests/workerd/ that imports the built
 * package by path (../../pkg/workerd.js): real local KV as SESSIONS, and the
 * package's Durable Object as SESSION_DO when the Worker exports it.
 */
export async function testWorker(file, { bindings = {}, durableObjects } = {}) {
  const { Miniflare } = await import("miniflare");
  const mf = new Miniflare({
    modules: true,
    modulesRoot: root,
    scriptPath: path.join(root, "tests", "workerd", file),
    // The .wasm import becomes a WebAssembly.Module, as wrangler bundles it.
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["SESSIONS"],
    durableObjects,
    bindings,
  });
  await mf.ready;
  return mf;
}

/**
 * The modules of a Worker that imports "edge-session" (as the README shows it),
 * unbundled: workerd resolves that name to the module "<worker dir>/edge-session",
 * here the package's workerd entry, then every file it imports, followed statically.
 */
export function workerModules(worker) {
  const dir = path.dirname(worker);
  const modules = [
    { type: "ESModule", path: worker },
    { type: "ESModule", path: path.join(dir, "edge-session"), contents: 'export * from "../../pkg/workerd.js";\n' },
    {
      type: "ESModule",
      path: path.join(dir, "edge-session/formats"),
      contents: 'export * from "../../../pkg/formats/workerd.js";\n',
    },
  ];
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file.endsWith(".wasm")) return modules.push({ type: "CompiledWasm", path: path.join(pkgDir, file) });
    modules.push({ type: "ESModule", path: path.join(pkgDir, file) });
    const text = readFileSync(path.join(pkgDir, file), "utf8");
    // One-line import/export statements: the glue also names "./edge_session_bg.js" as its import object's key.
    for (const [, spec] of text.matchAll(/^\s*(?:import|export)\b[^'"\n]*?["'](\.\.?\/[^"']+)["']/gm)) {
      visit(path.posix.join(path.posix.dirname(file), spec));
    }
  };
  visit("workerd.js");
  visit("formats/workerd.js");
  return modules;
}
