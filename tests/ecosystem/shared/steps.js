import { counter } from "./counter.js";

/**
 * The row check without HTTP: [count, Set-Cookie values] for a new session
 * counted up, its cookie counted up, and a read of the second cookie.
 * Expected: [[1, 1], [2, 1], [2, 0]].
 */
export async function steps() {
  const pair = (setCookie) => setCookie.split(";")[0];
  const first = await counter("", true);
  const second = await counter(pair(first.setCookies[0]), true);
  const read = await counter(pair(second.setCookies[0]), false);
  return [first, second, read].map((r) => [r.count, r.setCookies.length]);
}
