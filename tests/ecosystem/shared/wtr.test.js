// @web/test-runner (mocha in Chromium): the package resolved by its own
// dev server, nothing configured for edge-session.
import { steps } from "./steps.js";

it("edge-session under @web/test-runner", async () => {
  const result = JSON.stringify(await steps());
  if (result !== "[[1,1],[2,1],[2,0]]") throw new Error(`steps ${result}`);
});
