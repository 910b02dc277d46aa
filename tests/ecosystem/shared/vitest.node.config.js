// The flow test in Node: nothing about edge-session.
import { defineConfig } from "vitest/config";

export default defineConfig({ test: { include: ["flow.test.js"], environment: "node" } });
