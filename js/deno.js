/* @ts-self-types="./index.d.ts" */
// Deno 2.x (every minor, `deno bundle` too): the inlined wasm of node.js needs
// no read permission and no source-phase import (Deno >= 2.6 only).
export * from "./node.js";
