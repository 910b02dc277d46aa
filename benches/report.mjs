// Turns the summary into the markdown printed on stdout, the targets of
// issue 12 with what was measured, and the SVG bar chart of speeds.
import { DIRECTION_LABELS, DIRECTIONS } from "./boundary.mjs";
import { OP_LABELS, OPS } from "./flows.mjs";
import { fmtBytes, fmtRatio, fmtUs, table } from "./stats.mjs";
import { IMPLS } from "./truefloor.mjs";

const KB = 1000; // the issue's "120 KB" and "48 KB", in bytes
const RUNTIMES = { node: "Node", workerd: "workerd" };
// Three significant digits, never rounded up to a misleading "1".
const x3 = (x) => Number(x).toPrecision(3);

/** The targets of issue 12, each with the measured value and whether it is met. */
export function targets(s) {
  const t = [];
  const add = (name, target, value, met, note) => t.push({ name, target, value, met, ...(note ? { note } : {}) });
  const tf = s.trueFloor ?? {};
  const vsFloor = (rt, c) => {
    // workerd has one floor (WebCrypto); in Node, the faster of the two.
    const floor = rt === "workerd" ? "webcrypto" : c.fastestFloor;
    const x = rt === "workerd" ? c.vsFloor.webcrypto : c.vsFastestFloor;
    return { x, text: `${x3(x)}× (${fmtUs(c.us["edge-session"])} vs ${fmtUs(c.us[floor])} µs, ${IMPLS[floor]})` };
  };
  for (const rt of ["workerd", "node"]) {
    for (const id of ["spilled-64k", "spilled-200k"]) {
      const c = tf[rt]?.cases[id];
      if (!c) continue;
      const { x, text } = vsFloor(rt, c);
      add(`${c.label}, ${RUNTIMES[rt]}: edge-session ÷ floor`, "≤ 1.5×", text, x <= 1.5);
    }
  }
  for (const [rt, limit] of [["workerd", 1.3], ["node", 1.5]]) {
    for (const mode of ["sealed", "signed"]) {
      const c = tf[rt]?.cases[`inline-1k-${mode}`];
      if (c) {
        const { x, text } = vsFloor(rt, c);
        add(`1 KiB ${mode}, ${RUNTIMES[rt]}: edge-session ÷ ${rt === "workerd" ? "WebCrypto floor" : "faster floor"}`, `≤ ${limit}×`, text, x <= limit);
      }
      const r = s.speed?.[rt]?.ratios?.change;
      if (r) {
        const x = r.speedup[`edge-session-${mode}`];
        add(
          `1 KiB ${mode}, ${RUNTIMES[rt]}: faster than every peer (load + change + save)`,
          "> 1× the fastest",
          `${x3(x)}× (fastest peer: ${r.fastestPeer}, ${fmtUs(r.fastestPeerUs)} µs)`,
          x > 1,
        );
      }
    }
  }
  if (s.size) {
    const w = s.size.shipped.wasm;
    add("default wasm size, raw", `≤ ${120 * KB} B`, `${w.raw} B`, w.raw <= 120 * KB);
    add("default wasm size, gzip -9", `≤ ${48 * KB} B`, `${w.gzip} B`, w.gzip <= 48 * KB);
  }
  for (const n of [s.coldStart?.node, s.coldStart?.node22]) {
    if (n?.error) add("compile + instantiate, Node 22", "≤ 3 ms", `not measured: ${n.error}`, false);
    if (!n || n.error) continue;
    const c = n.compileInstantiateMs;
    add(`compile + instantiate, Node ${n.version ?? ""}`.trim(), "≤ 3 ms", `${c} ms (median; fastest ${n.compileInstantiateMinMs} ms)`, c <= 3);
  }
  if (s.store) {
    const e = s.store.edgeSession;
    const ro = ["readOnlyInline", "readOnlySpilled"].map((k) => e[k].put + e[k].delete);
    add("store writes on read-only requests", "0", `${ro.join(", ")} (inline, spilled)`, ro.every((x) => x === 0));
    add("store reads on a spilled load", "exactly 1", `${e.readOnlySpilled.get}`, e.readOnlySpilled.get === 1);
    const inline = ["readOnlyInline", "changedInline"].map((k) => e[k].get);
    add("store reads on an inline load", "0", `${inline.join(", ")} (read-only, changed)`, inline.every((x) => x === 0));
  }
  if (s.speed?.node) {
    const emitted = ["edge-session-sealed", "edge-session-signed"].map((id) => s.speed.node.results[id].ops.read.emitted);
    add("Set-Cookie on load+read+save (Node)", "0", emitted.join(", "), emitted.every((x) => x === 0));
  }
  return t;
}

/** The true-floor table of one runtime. */
function trueFloorTable(rt) {
  const impls = Object.keys(Object.values(rt.cases)[0].us);
  const floors = impls.filter((i) => i !== "edge-session");
  const rows = Object.values(rt.cases).map((c) => [
    c.label,
    ...impls.map((i) => (i === "edge-session" ? `**${fmtUs(c.us[i])}**` : fmtUs(c.us[i]))),
    ...floors.map((f) => fmtRatio(c.vsFloor[f])),
    ...(floors.length > 1 ? [fmtRatio(c.vsFastestFloor)] : []),
  ]);
  return table(
    [
      "µs per load + change + save (median)",
      ...impls.map((i) => IMPLS[i]),
      ...floors.map((f) => `edge-session ÷ ${IMPLS[f].replace("floor: ", "")}`),
      ...(floors.length > 1 ? ["÷ faster floor"] : []),
    ],
    rows,
  );
}

function speedTable(rt) {
  const rows = Object.values(rt.results)
    .filter((r) => !r.baseline)
    .map((r) => [
      r.ours ? `**${r.label}**` : r.label,
      ...OPS.map((op) => fmtUs(r.ops[op].us)),
      String(r.ops.read.emitted),
    ]);
  const base = Object.values(rt.results).find((r) => r.baseline);
  if (base) rows.push([`_${base.label}_`, ...OPS.map((op) => `_${fmtUs(base.ops[op].us)}_`), "–"]);
  const ratioRows = ["edge-session-sealed", "edge-session-signed"].map((id) => [
    `speed-up of ${rt.results[id].label} over the fastest peer`,
    ...OPS.map((op) => fmtRatio(rt.ratios[op].speedup[id])),
    "",
  ]);
  const fastest = ["fastest peer", ...OPS.map((op) => rt.ratios[op].fastestPeer), ""];
  return table(["µs per operation (median)", ...OPS.map((op) => OP_LABELS[op]), "Set-Cookie on read"], [...rows, fastest, ...ratioRows]);
}

export function markdown(s) {
  const out = [];
  const m = s.machine;
  out.push(`# edge-session benchmarks${s.quick ? " (BENCH_QUICK: few iterations, figures are rough)" : ""}`);
  out.push("");
  out.push(`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}; ${m.date}. ~1 KiB session (${s.sessionBytes} bytes of JSON).`);
  if (m.loadAverageAtStart) {
    out.push("", `Load average (1/5/15 min) at start ${m.loadAverageAtStart.join(" / ")}, at end ${m.loadAverageAtEnd?.join(" / ")}: compare ratios within this run, not absolute times across runs.`);
  }
  if (s.speed?.node) {
    out.push("", "## Speed, Node", "", speedTable(s.speed.node));
  }
  if (s.speed?.workerd) {
    out.push("", `## Speed, workerd (Miniflare; batches timed from outside, an empty request of ${s.speed.workerd.emptyRequestMs} ms subtracted)`, "", speedTable(s.speed.workerd));
  }
  out.push(
    "",
    "edge-session runs through `createSessionStorage` (options resolved once), as the peers' storages and middlewares are set up once. Ratios are the median over rounds of (fastest peer in that round / ours). Hono peers run through a Hono app; the same app without session work is subtracted. Peers without change detection re-issue their cookie on load+read+save, as their save does.",
  );
  if (s.trueFloor) {
    out.push("", "## True floor: hand-written platform crypto + JSON + base64url, key imported once");
    for (const [rt, x] of Object.entries(s.trueFloor)) {
      const extra = x.emptyRequestMs !== undefined ? `; batches timed from outside, an empty request of ${x.emptyRequestMs} ms subtracted` : "";
      out.push("", `### ${RUNTIMES[rt]} (base64url: ${x.base64}${extra})`, "", trueFloorTable(x));
    }
    out.push(
      "",
      "Each floor does only the unavoidable work of load + change + save: base64url decode, decrypt (AES-256-GCM) or verify (HMAC-SHA256), `JSON.parse`, one change, `JSON.stringify`, encrypt or sign, base64url encode, with the key imported once. Spilled: the same for the store blob (the whole session, as KV text) plus the small cookie that points at it; a Map behind async get/put is the store (edge-session: `memoryStore()`). Ratios are the median over rounds of (edge-session / floor) within a round.",
    );
  }
  if (s.floor) {
    const rows = [];
    for (const [mode, f] of Object.entries(s.floor.modes)) {
      rows.push([
        mode,
        `${fmtUs(f.floor.loadUs)} / ${fmtUs(f.codecUs.load)} / ${fmtRatio(f.multiple.load)}`,
        `${fmtUs(f.floor.saveUs)} / ${fmtUs(f.codecUs.save)} / ${fmtRatio(f.multiple.save)}`,
        fmtRatio(f.multiple.loadAndSave),
        `${fmtUs(f.apiUs.change)} µs, ${fmtRatio(f.apiMultiple.change)} of wasm + JS JSON floor`,
      ]);
    }
    out.push(
      "",
      "## Breakdown: the codec vs its own wasm primitives on the same bytes (not the floor)",
      "",
      table(["mode", "load: floor / codec µs / ×", "save: floor / codec µs / ×", "load+save ×", "JS API load+change+save"], rows),
      "",
      `Key setup per request would add ${s.floor.keySetup.aesUs} µs (AES-256-GCM) or ${s.floor.keySetup.hmacUs} µs (HMAC); the codec caches both.`,
    );
    const parts = [];
    for (const [mode, f] of Object.entries(s.floor.modes)) {
      const l = f.floor.load;
      const v = f.floor.save;
      parts.push([mode, fmtUs(l.base64Decode), fmtUs(l.crypto), fmtUs(l.jsonValidate), fmtUs(v.jsonValidate), fmtUs(v.crypto), fmtUs(v.base64Encode)]);
    }
    out.push("", table(["floor µs", "b64 decode", "open/verify", "JSON check", "JSON check", "seal/sign", "b64 encode"], parts));
  }
  if (s.boundary) {
    const b = s.boundary;
    const rows = [];
    for (const [name, x] of Object.entries(b.sessions)) {
      rows.push([
        `${name} (${x.bytes} B)`,
        ...DIRECTIONS.map((d) => `${fmtUs(x.us.json[d])} / ${fmtUs(x.us.swb[d])} / **${fmtRatio(x.swbOverJson[d])}**`),
      ]);
    }
    out.push(
      "",
      "## Boundary: JSON strings vs serde-wasm-bindgen (JS object ↔ serde_json::Value in wasm)",
      "",
      table(["session", ...DIRECTIONS.map((d) => `${DIRECTION_LABELS[d]}: JSON / swb µs / swb÷JSON`)], rows),
      "",
      "JSON: `JSON.stringify` → `&str` → `serde_json::from_str` → `serde_json::to_string` → `String` → `JSON.parse`. swb: `serde_wasm_bindgen::from_value` / `to_value` (json-compatible serializer). Median µs per operation; swb÷JSON is the median over rounds of the ratio within a round.",
    );
    if (b.size) {
      const a = b.size.added;
      out.push(
        "",
        `serde-wasm-bindgen adds ${a.wasm.raw} B to the wasm (${a.wasm.gzip} B gzip -9, ${a.wasm.brotli} B brotli) and ${a.glue.raw} B to the JS glue (${a.glue.gzip} B gzip): bench wasm ${b.size.withSwb.wasm.raw} B with its exports, ${b.size.withoutSwb.wasm.raw} B without, both after wasm-opt ${b.size.wasmOptFlags.split(" ")[0]} with the package's flags.`,
      );
    }
  }
  if (s.size) {
    const sh = s.size.shipped;
    const rows = [
      ["edge_session_bg.wasm (default: native format)", sh.wasm.raw, sh.wasm.gzip, sh.wasm.brotli],
      ...(sh.formatsWasm
        ? [["formats/edge_session_formats_bg.wasm (every format)", sh.formatsWasm.raw, sh.formatsWasm.gzip, sh.formatsWasm.brotli]]
        : []),
      ["edge_session.js (wasm-bindgen glue)", sh.glue.raw, sh.glue.gzip, sh.glue.brotli],
      ...Object.entries(sh.driver).map(([f, z]) => [f, z.raw, z.gzip, z.brotli]),
    ].map(([n, ...v]) => [n, ...v.map(String)]);
    out.push("", "## Size (bytes)", "", table(["file", "raw", "gzip -9", "brotli 11"], rows));
    if (s.size.breakdown) {
      const b = s.size.breakdown;
      out.push(
        "",
        `By dependency (${b.method}${b.matchesShipped ? "" : "; WARNING: older than pkg/"}):`,
        "",
        table(
          ["dependency", "bytes", "share"],
          b.byDependency.slice(0, 16).map((d) => [d.name, String(d.bytes), `${(d.share * 100).toFixed(1)}%`]),
        ),
      );
    }
  }
  if (s.coldStart) {
    const rows = [];
    const n = s.coldStart.node;
    for (const node of [n, s.coldStart.node22]) {
      if (!node || node.error) continue;
      const v = `Node ${node.version ?? ""}`.trim();
      rows.push([`${v}: import glue + driver`, `${node.medianMs.importJs}`]);
      rows.push([`${v}: WebAssembly.compile`, `${node.medianMs.compile}`]);
      rows.push([`${v}: instantiate (initSync)`, `${node.medianMs.instantiate}`]);
      rows.push([`${v}: first loadSession (builds the codec)`, `${node.medianMs.firstLoad}`]);
      if (node.medianMs.firstSave !== undefined) rows.push([`${v}: first saveSession of a change`, `${node.medianMs.firstSave}`]);
      rows.push([`${v}: compile + instantiate (median / fastest sample)`, `${node.compileInstantiateMs} / ${node.compileInstantiateMinMs}`]);
      rows.push([`${v}: compile + instantiate + first load`, `${node.toFirstLoadMs}`]);
    }
    const w = s.coldStart.workerd;
    if (w) {
      rows.push(["workerd: new Miniflare → first response, edge-session Worker", `${w.edgeSessionMs.total}`]);
      rows.push(["workerd: same, baseline Worker without wasm", `${w.baselineMs.total}`]);
      rows.push(["workerd: difference", `${w.overBaselineMs}`]);
      rows.push(["workerd: first request alone, difference", `${w.firstResponseOverBaselineMs}`]);
    }
    out.push("", `## Cold start (ms, median of ${n?.samples ?? "?"} processes / ${w?.samples ?? "?"} Miniflares)`, "", table(["step", "ms"], rows));
  }
  if (s.store) {
    const e = s.store.edgeSession;
    const v = s.store.edgeSessionRevocation;
    const c = s.store.edgeSessionSwap;
    const r = s.store.reactRouterKv;
    const ops = (x) => (x ? `${x.get} / ${x.put} / ${x.delete}` : "–");
    const rows = Object.keys(e).map((k) => [
      e[k].label,
      ops(e[k]),
      String(e[k].setCookie),
      ops(v?.[k]),
      ops(c?.[k]),
      ops(r[k]),
      String(r[k].setCookie),
    ]);
    out.push(
      "",
      "## Store cost (KV get / put / delete per request)",
      "",
      table(
        [
          "request",
          "edge-session (KV)",
          "Set-Cookie",
          "+ revocation",
          "compare-and-swap store",
          "React Router KV storage",
          "Set-Cookie",
        ],
        rows,
      ),
      "",
      "Revocation adds one read per load (the user's record) and, on logout or login, one read and one write of it. A compare-and-swap store (Durable Objects, Deno KV) keeps one entry per session. A rolling re-issue of a spilled session writes nothing to the store.",
    );
  }
  if (s.targets) {
    out.push(
      "",
      "## Targets (issue 12)",
      "",
      table(
        ["target", "goal", "measured", "met"],
        s.targets.map((t) => [t.name, t.target, t.value, t.met ? "yes" : "**no**"]),
      ),
    );
  }
  return out.join("\n") + "\n";
}

const esc = (x) => String(x).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A horizontal bar chart, log scale, one panel per runtime, one group per operation. */
export function svg(s) {
  const panels = [
    ["Node 20", s.speed?.node],
    ["workerd (Miniflare)", s.speed?.workerd],
  ].filter(([, p]) => p);
  const libs = Object.entries(panels[0][1].results).filter(([, r]) => !r.baseline);
  const values = panels.flatMap(([, p]) => libs.flatMap(([id]) => OPS.map((op) => p.results[id].ops[op].us))).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const W = 960;
  const left = 270;
  const right = 70;
  const barH = 13;
  const gap = 3;
  const groupGap = 22;
  const plotW = W - left - right;
  const x = (v) => left + (plotW * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo);
  const colors = { ours: "#d9480f", peer: "#868e96" };
  let y = 50;
  const body = [];
  body.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">µs per operation, ~1 KiB session (log scale, shorter is faster)</text>`,
  );
  for (const [title, p] of panels) {
    body.push(`<text x="10" y="${y}" font-size="15" font-weight="bold">${esc(title)}</text>`);
    y += 12;
    const top = y;
    const gridAt = body.length;
    for (const op of OPS) {
      y += 16;
      body.push(`<text x="10" y="${y}" font-size="13" font-style="italic">${esc(OP_LABELS[op])}</text>`);
      y += 6;
      for (const [id, r] of libs) {
        const v = p.results[id].ops[op].us;
        const w = Math.max(1, x(v) - left);
        body.push(`<text x="${left - 6}" y="${y + barH - 3}" font-size="11" text-anchor="end">${esc(r.label)}</text>`);
        body.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${r.ours ? colors.ours : colors.peer}"/>`);
        body.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11">${v > 0 ? fmtUs(v) : "≈0 (noise)"}</text>`);
        y += barH + gap;
      }
      y += groupGap - 16;
    }
    const grid = [];
    for (let t = lo; t <= hi; t *= 10) {
      const tx = x(t).toFixed(1);
      grid.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${y}" stroke="#ced4da" stroke-dasharray="3,3"/>`);
      grid.push(`<text x="${tx}" y="${y + 14}" font-size="11" text-anchor="middle">${t >= 1000 ? `${t / 1000} ms` : `${t} µs`}</text>`);
    }
    body.splice(gridAt, 0, ...grid); // under the bars
    y += 40;
  }
  const m = s.machine;
  body.push(`<text x="10" y="${y - 10}" font-size="11" fill="#495057">${esc(`${m.cpu}, Node ${m.node}, ${m.date.slice(0, 10)}${s.quick ? ", BENCH_QUICK" : ""}. make bench`)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join("\n")}\n</svg>\n`;
}

export { fmtBytes };
