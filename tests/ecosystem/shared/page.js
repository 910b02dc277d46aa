// In a page: the check, its result on window for the test to read.
import { steps } from "./steps.js";

steps().then(
  (result) => (window.result = `steps ${JSON.stringify(result)}`),
  (error) => (window.result = `error ${error.message}`),
);
