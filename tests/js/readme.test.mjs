// README code cannot rot: every ```js/```ts block preceded by a marker
//   <!-- example: tests/examples/workers.js -->
// must equal that file byte for byte (the files are run by examples.test.mjs
// and type-checked by types.test.mjs). Checked in README.md and, until it is
// merged there, tests/README-SECTIONS.md. Every file of tests/examples/ must
// be shown somewhere, and in a document with markers every code block of its
// "Quick start" section must carry one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { root } from "./bundle.mjs";

const DOCS = ["README.md", "tests/README-SECTIONS.md"].filter((d) => existsSync(path.join(root, d)));
const MARKER = /^<!--\s*example:\s*(\S+)\s*-->$/;
const FENCE = /^```(\w*)\s*$/;
const CODE = new Set(["js", "javascript", "ts", "typescript", "mjs"]);

/** Code blocks of a Markdown file: { lang, code, marker, line, section }. */
function blocks(text) {
  const lines = text.split("\n");
  const out = [];
  let marker = null;
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^## /.test(line)) section = line.slice(3).trim();
    const m = MARKER.exec(line.trim());
    if (m) {
      marker = { file: m[1], line: i + 1 };
      continue;
    }
    const f = FENCE.exec(line);
    if (f) {
      const start = i;
      const body = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
      out.push({ lang: f[1], code: body.join("\n"), marker, line: start + 1, section });
      marker = null;
      continue;
    }
    if (line.trim() !== "" && marker) assert.fail(`${marker.file}: the marker at line ${marker.line} is not followed by a code block`);
  }
  return out;
}

const shown = new Set();

for (const doc of DOCS) {
  const all = blocks(readFileSync(path.join(root, doc), "utf8"));
  const marked = all.filter((b) => b.marker);

  test(`${doc}: every marked block equals its file`, (t) => {
    if (marked.length === 0) {
      t.diagnostic(`${doc} has no example markers yet (merge tests/README-SECTIONS.md into it)`);
      return;
    }
    for (const b of marked) {
      const file = path.join(root, b.marker.file);
      assert.ok(existsSync(file), `${doc}:${b.line}: ${b.marker.file} does not exist`);
      assert.ok(CODE.has(b.lang), `${doc}:${b.line}: a marked block is js or ts, not "${b.lang}"`);
      const content = readFileSync(file, "utf8").replace(/\n$/, "");
      assert.equal(b.code, content, `${doc}:${b.line} differs from ${b.marker.file}: copy the file into the README`);
      shown.add(path.normalize(b.marker.file));
    }
  });

  test(`${doc}: every code block of its Quick start is a tested file`, () => {
    if (marked.length === 0) return;
    const quick = all.filter((b) => /^quick start/i.test(b.section) && CODE.has(b.lang));
    assert.ok(quick.length > 0, `${doc} has a Quick start with code`);
    for (const b of quick) assert.ok(b.marker, `${doc}:${b.line}: a Quick start block without an example marker`);
  });
}

test("every file of tests/examples/ is shown in a README", () => {
  const examples = readdirSync(path.join(root, "tests/examples")).map((f) => path.normalize(`tests/examples/${f}`));
  for (const f of examples) assert.ok(shown.has(f), `${f} is not shown in ${DOCS.join(" or ")}`);
});
