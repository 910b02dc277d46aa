// Runs the check and prints its result; a failure rejects and exits non-zero.
import { steps } from "./steps.js";

steps().then((result) => console.log(`steps ${JSON.stringify(result)}`));
