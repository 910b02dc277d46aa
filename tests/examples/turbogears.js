import { loadSession, optionsFromTurboGears, saveSession } from "edge-session/formats";

// Moves a TurboGears/Beaker cookie session into edge-session on the first
// request that carries one. `settings` are the app's session.* keys (its .ini).
export async function migrate(request, settings, options) {
  const session = await loadSession(request, options);
  if (!session.isNew) return { session, beaker: null };
  const beaker = await loadSession(request, optionsFromTurboGears(settings));
  if (beaker.status !== "valid") return { session, beaker: null };
  for (const [key, value] of beaker.entries()) session.set(key, value);
  return { session, beaker: beaker.destroy() }; // save both: the Beaker cookie expires
}
