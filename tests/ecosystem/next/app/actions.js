"use server";
import { commitSession, getSession } from "../lib/session.js";

export async function increment() {
  const session = await getSession();
  session.set("count", (session.get("count") ?? 0) + 1);
  await commitSession(session);
}
