// Typings of edge-session/testing: stores that behave like the real ones, a
// steppable clock, and a browser-like cookie jar, for apps' own tests.
import type { SessionStore, SwapStore } from "./index.js";

export { memoryStore } from "./index.js";

/** A clock for the `now` option, in milliseconds. */
export interface FixedClock {
  (): number;
  advance(ms: number): number;
  set(ms: number): number;
}
/** Fixed at `start` (default 2026-01-01) until moved. */
export declare function fixedClock(start?: number): FixedClock;

/**
 * Workers KV's eventual consistency: reads of a key written less than `lag` ms
 * ago (default 60 000) serve the value before that write, or null.
 */
export declare function eventuallyConsistent<S extends SessionStore>(
  store: S,
  options?: { lag?: number; now?: () => number; serve?: "previous" | "null" },
): SessionStore;

/** Workers KV's one write (put or delete) per key per `interval` ms: faster ones throw. */
export declare function writeLimited<S extends SessionStore>(
  store: S,
  options?: { interval?: number; now?: () => number },
): (S extends SwapStore ? SwapStore : SessionStore) & {
  rejected: { op: "put" | "delete"; key: string; at: number }[];
};

/** Faults to order: `fault(op, key)` returns "throw", "hang", or nothing for a normal call. */
export declare function faultyStore<S extends SessionStore>(
  store: S,
  fault: (op: "get" | "put" | "delete" | "getVersioned" | "putIf", key: string) => "throw" | "hang" | void | null,
): (S extends SwapStore ? SwapStore : SessionStore) & { calls: { op: string; key: string }[] };

/** A browser's cookie jar for one site. */
export interface CookieJar {
  /** Takes a response's Set-Cookie values, in order; the last for a name wins; Max-Age=0 deletes. */
  apply(setCookies: string[] | Response | Headers): this;
  /** One cookie's value. */
  get(name: string): string | undefined;
  /** The next request's Cookie header. */
  header(): string;
}
export declare function cookieJar(options?: { now?: () => number }): CookieJar;

/** The Cookie header a browser sends after these Set-Cookie values. */
export declare function cookieHeader(setCookies: string[] | Response | Headers): string;
