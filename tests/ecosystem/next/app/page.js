// A Server Component reads the session (it cannot set cookies); the form's
// Server Action counts one up.
import { increment } from "./actions.js";
import { getSession } from "../lib/session.js";

export const dynamic = "force-dynamic";

export default async function Page() {
  const session = await getSession();
  return (
    <main>
      <p id="count">count:{session.get("count") ?? 0}</p>
      <form action={increment}>
        <button type="submit">+1</button>
      </form>
    </main>
  );
}
