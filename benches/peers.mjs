// The peers, as one module that esbuild bundles (for Node and for workerd)
// from tests/node_modules, where tests/package.json pins their versions.
export * as iron from "iron-session";
export { createCookie, createCookieSessionStorage } from "react-router";
export { createWorkersKVSessionStorage } from "@react-router/cloudflare";
export { Hono } from "hono";
export { getSignedCookie, setSignedCookie } from "hono/cookie";
export { useSession } from "@hono/session";
