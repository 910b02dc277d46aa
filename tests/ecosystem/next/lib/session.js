// Next.js: edge-session with cookies() from next/headers (Server Actions, Route
// Handlers, Server Components). The README's Next.js section shows this file.
import { cookies } from "next/headers";
import { loadSession, saveSession } from "edge-session";
import { options } from "./options.js";

export async function getSession() {
  return loadSession((await cookies()).toString(), options);
}

/** Sets what saveSession says (nothing when the session was only read). */
export async function commitSession(session) {
  const jar = await cookies();
  for (const line of await saveSession(session)) jar.set(parseSetCookie(line));
}

function parseSetCookie(line) {
  const [pair, ...attributes] = line.split("; ");
  const eq = pair.indexOf("=");
  const cookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  for (const attribute of attributes) {
    const [key, value] = attribute.split("=");
    const k = key.toLowerCase();
    if (k === "max-age") cookie.maxAge = Number(value);
    else if (k === "expires") cookie.expires = new Date(value);
    else if (k === "samesite") cookie.sameSite = value.toLowerCase();
    else if (k === "path" || k === "domain") cookie[k] = value;
    else if (k === "httponly") cookie.httpOnly = true;
    else if (k === "secure" || k === "partitioned") cookie[k] = true;
  }
  return cookie;
}
