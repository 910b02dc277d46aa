// CommonJS: require() of the ESM package (Node >= 20.19 has require(esm); it
// needs entries without top-level await).
const { loadSession, saveSession } = require("edge-session");
const { steps } = require("./steps.js");

if (typeof loadSession !== "function" || typeof saveSession !== "function") throw new Error("no exports");
steps().then((result) => console.log(`steps ${JSON.stringify(result)}`));
