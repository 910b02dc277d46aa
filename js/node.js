// Node >= 20: read the .wasm beside this file and compile it synchronously.
import { readFileSync } from "node:fs";
import { initSync } from "./edge_session.js";

initSync({ module: readFileSync(new URL("./edge_session_bg.wasm", import.meta.url)) });

export * from "./core.js";
export * from "./stores.js";
