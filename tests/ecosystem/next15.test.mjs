import { nextSuite } from "./next.mjs";

// Next 15: webpack is the default; middleware.js runs on the edge.
nextSuite(15, [
  { bundler: "webpack", flag: [], entry: "middleware.js" },
  { bundler: "Turbopack", flag: ["--turbopack"], entry: "middleware.js" },
]);
