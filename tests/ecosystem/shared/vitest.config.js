// Where Chromium is; for edge-session itself, nothing (the one setting below is
// for tests that also import edge-session/testing).
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";

export default defineConfig({
  // Only for tests that import edge-session/testing: Vite would find it late
  // and re-bundle its dependencies mid-run.
  optimizeDeps: process.env.VITEST_FILE ? { include: ["edge-session", "edge-session/testing"] } : {},
  test: {
    include: [process.env.VITEST_FILE ?? "vitest-steps.js"],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        },
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
