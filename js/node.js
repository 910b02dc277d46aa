/* @ts-self-types="./index.d.ts" */
// Node >= 20, Bun, Deno: the .wasm travels inside JS as base64
// (edge_session_wasm.js, made by `make package`), so a bundle (esbuild, webpack,
// Next.js, `bun build --compile`, `deno bundle`) carries it like any code and
// nothing depends on where the package's files lie at run time.
import * as nodeCryptoModule from "node:crypto";
import { Codec, initSync, optionsKey } from "./edge_session.js";
import { wasmBytes } from "./edge_session_wasm.js";
import { nodeCrypto } from "./crypto.js";
import { internal, useGlue } from "./internal.js";

initSync({ module: wasmBytes() });
useGlue({ Codec, optionsKey }, false);
// node:crypto is synchronous, and faster than WebCrypto in Node.
internal.crypto = nodeCrypto(nodeCryptoModule);

export * from "./core.js";
export * from "./stores.js";
