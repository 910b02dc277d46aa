// Where Chromium is; nothing about edge-session.
import { chromeLauncher } from "@web/test-runner-chrome";

export default {
  files: "wtr.test.js",
  nodeResolve: true,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      },
    }),
  ],
};
