import { NextResponse } from "next/server";
import { commitSession, getSession } from "../../../lib/session.js";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

// Route Handler on Node: cookies() from next/headers.
export async function GET(request) {
  const session = await getSession();
  if (request.nextUrl.searchParams.has("inc")) session.set("count", (session.get("count") ?? 0) + 1);
  await commitSession(session);
  return new NextResponse(String(session.get("count") ?? 0));
}
