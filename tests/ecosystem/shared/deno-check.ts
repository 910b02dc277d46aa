// Deno with an import map to the package folder: the types come from the
// entry's @ts-self-types. Were they missing, `@ts-expect-error` would be unused.
import { loadSession, type Session } from "edge-session";

const session: Session = await loadSession("", { secrets: ["ecosystem-check-secret-0123456789-abcdef"] });
export function neverCalled() {
  // @ts-expect-error secrets must be strings
  return loadSession("", { secrets: [42] });
}
console.log(`typed ${session.isNew}`);
