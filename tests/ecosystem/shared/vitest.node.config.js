// The flow test outside a browser: Node, jsdom, happy-dom or edge-runtime
// (VITEST_ENV); nothing about edge-session.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["flow.test.js"], environment: process.env.VITEST_ENV ?? "node" } });
