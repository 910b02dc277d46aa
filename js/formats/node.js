/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` in Node, Bun and Deno: every format (Beaker, iron,
// React Router, cookie-rs, and migration from them), in a larger wasm of its
// own, inlined as the default entry's is.
import * as nodeCryptoModule from "node:crypto";
import { Codec, initSync, optionsKey } from "./edge_session_formats.js";
import { wasmBytes } from "./edge_session_formats_wasm.js";
import { nodeCrypto } from "../crypto.js";
import { internal, useGlue } from "../internal.js";

initSync({ module: wasmBytes() });
useGlue({ Codec, optionsKey }, true);
internal.crypto = nodeCrypto(nodeCryptoModule);

export * from "../core.js";
export * from "../stores.js";
