import { nextSuite } from "./next.mjs";

// One file for both versions, so that two Next.js builds never share the 2 cores.

// Next 15: webpack is the default; middleware.js runs on the edge.
nextSuite(15, [
  { bundler: "webpack", flag: [], entry: "middleware.js" },
  { bundler: "Turbopack", flag: ["--turbopack"], entry: "middleware.js" },
]);

// Next 16: Turbopack is the default; middleware.js runs on the edge, proxy.js on
// Node.js. Each bundler and each mode runs once with each of the two.
nextSuite(16, [
  { bundler: "Turbopack", flag: [], entry: "middleware.js", modes: ["build"] },
  { bundler: "Turbopack", flag: [], entry: "proxy.js", modes: ["dev"] },
  { bundler: "webpack", flag: ["--webpack"], entry: "proxy.js", modes: ["build"] },
  { bundler: "webpack", flag: ["--webpack"], entry: "middleware.js", modes: ["dev"] },
]);
