import { nextSuite } from "./next.mjs";

// Next 16: Turbopack is the default; middleware.js runs on the edge, proxy.js on
// Node.js. Each bundler and each mode runs once with each of the two.
nextSuite(16, [
  { bundler: "Turbopack", flag: [], entry: "middleware.js", modes: ["build"] },
  { bundler: "Turbopack", flag: [], entry: "proxy.js", modes: ["dev"] },
  { bundler: "webpack", flag: ["--webpack"], entry: "proxy.js", modes: ["build"] },
  { bundler: "webpack", flag: ["--webpack"], entry: "middleware.js", modes: ["dev"] },
]);
