// Deno 2.0 and 2.5 (before source-phase imports): the package through
// node_modules with no permissions, and `deno bundle` where it exists (2.4+).
import { describe, test } from "node:test";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { ECO, ENV, assertSteps, project, run } from "./lib.mjs";

const SHARED = ["counter.js", "steps.js", "main.js"].map((f) => [`shared/${f}`, f]);

for (const [group, version, bundle] of [["deno20", "2.0", false], ["deno25", "2.5", true]]) {
  describe(`Deno ${version}`, { timeout: 300_000 }, () => {
    const env = { ...ENV, DENO_DIR: path.join(ECO, `${group}-dir`) };
    test("deno run through node_modules, no permissions", async () => {
      const dir = await project(group, group, SHARED);
      const deno = path.join(dir, "node_modules/.bin/deno");
      assertSteps(await run(deno, ["run", "--quiet", "main.js"], { cwd: dir, env }), `deno ${version}`);
      if (bundle) {
        await run(deno, ["bundle", "--quiet", "-o", "dist/main.js", "main.js"], { cwd: dir, env });
        // The bundle alone, in a folder with no node_modules.
        const alone = path.join(ECO, `${group}-bundle`);
        rmSync(alone, { recursive: true, force: true });
        mkdirSync(alone);
        cpSync(path.join(dir, "dist/main.js"), path.join(alone, "main.js"));
        assertSteps(await run(deno, ["run", "--quiet", "main.js"], { cwd: alone, env }), `deno ${version} bundle`);
      }
    });
  });
}
