// The check every row runs inside the tool under test: load the session from a
// Cookie header, count one up when asked, save. Returns the count and the
// Set-Cookie values (none when the session was only read).
import { loadSession, saveSession } from "edge-session";

export const options = { secrets: ["ecosystem-check-secret-0123456789-abcdef"] };

export async function counter(cookie, increment) {
  const session = await loadSession(cookie ?? "", options);
  if (increment) session.set("count", (session.get("count") ?? 0) + 1);
  const setCookies = await saveSession(session);
  return { count: session.get("count") ?? 0, setCookies };
}

/** The same as a Response: body = the count, one Set-Cookie per value. */
export async function counterResponse(request) {
  const url = new URL(request.url);
  const { count, setCookies } = await counter(request.headers.get("cookie"), url.searchParams.has("inc"));
  const headers = new Headers({ "content-type": "text/plain" });
  for (const c of setCookies) headers.append("set-cookie", c);
  return new Response(String(count), { headers });
}
