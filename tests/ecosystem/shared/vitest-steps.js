// Vitest browser mode, with no edge-session setting in its config.
import { expect, test } from "vitest";
import { steps } from "./steps.js";

test("edge-session in Chromium under Vitest", async () => {
  expect(await steps()).toEqual([
    [1, 1],
    [2, 1],
    [2, 0],
  ]);
});
