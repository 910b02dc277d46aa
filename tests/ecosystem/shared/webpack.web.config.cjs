// webpack for the browser: the .wasm becomes an asset beside the bundle.
const path = require("node:path");

module.exports = {
  mode: "production",
  target: "web",
  entry: "./page.js",
  output: { path: path.resolve(__dirname, "dist-webpack-web"), filename: "page.js", publicPath: "", clean: true },
};
