// A Worker answering the check over HTTP (`?inc` counts one up).
import { counterResponse } from "./counter.js";

export default { fetch: counterResponse };
