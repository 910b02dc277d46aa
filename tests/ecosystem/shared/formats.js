// `edge-session/formats` from the installed package: a React Router cookie
// written and read back, and a native session beside it.
import { loadSession, saveSession } from "edge-session/formats";

const remix = { format: "remix", remix: { secrets: ["react-router secret"] }, cookie: { name: "__session" } };
const s = await loadSession("", remix);
s.set("user", "ada");
const [cookie] = await saveSession(s);
const again = await loadSession(cookie.split(";")[0], remix);
const native = await loadSession("", { secrets: ["formats check secret, at least 32 bytes"] });
console.log(`formats ${JSON.stringify([again.status, again.get("user"), native.status])}`);
