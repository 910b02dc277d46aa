// webpack for Node: one file, run from elsewhere.
const path = require("node:path");

module.exports = {
  mode: "production",
  target: "node",
  entry: "./main.js",
  output: { path: path.resolve(__dirname, "dist-webpack"), filename: "main.cjs" },
};
