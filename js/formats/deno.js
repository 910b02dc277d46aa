/* @ts-self-types="../index.d.ts" */
// `edge-session/formats` in Deno 2.x: as ../deno.js, with every format.
export * from "./node.js";
