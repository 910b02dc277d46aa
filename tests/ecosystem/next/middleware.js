// Middleware (the edge runtime): loadSession from the request, saveSession onto the response.
import { NextResponse } from "next/server";
import { loadSession, saveSession } from "edge-session";
import { options } from "./lib/options.js";

export async function middleware(request) {
  const session = await loadSession(request, options);
  if (request.nextUrl.searchParams.has("inc")) session.set("count", (session.get("count") ?? 0) + 1);
  return saveSession(session, new NextResponse(String(session.get("count") ?? 0)));
}

export const config = { matcher: "/mw" };
