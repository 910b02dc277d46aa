// Where Chromium is, and the static server; nothing about edge-session.
import { defineConfig } from "@playwright/test";

const port = Number(process.env.PORT);
export default defineConfig({
  testMatch: "pw.spec.mjs",
  reporter: "line",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  webServer: { command: `node static.mjs ${port}`, url: `http://127.0.0.1:${port}/runner-page.html` },
});
