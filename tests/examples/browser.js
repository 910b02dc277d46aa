// A page that keeps its own state in a cookie it can read (httpOnly: false).
// The secret ships with the page, so anyone can read it: use this for tests,
// mocks and offline demos, never to protect anything.
import { loadSession, saveSession } from "edge-session"; // an import map or a bundler resolves it

const options = {
  secrets: ["visible-to-the-page-so-not-a-secret-0123"],
  cookie: { name: "__Host-prefs", httpOnly: false },
};

const session = await loadSession(document.cookie, options);
session.set("theme", session.get("theme") === "dark" ? "light" : "dark");
for (const line of await saveSession(session)) document.cookie = line;
document.documentElement.dataset.theme = session.get("theme");
