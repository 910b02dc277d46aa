// Playwright's test runner driving a page that uses edge-session.
import { expect, test } from "@playwright/test";

test("edge-session in a page, under @playwright/test", async ({ page }) => {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/runner-page.html");
  await expect.poll(() => page.evaluate(() => window.result), { timeout: 60_000 }).toBe("steps [[1,1],[2,1],[2,0]]");
  expect(errors).toEqual([]);
});
