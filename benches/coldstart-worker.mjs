// Cold-start Worker: the package's workerd entry and one loadSession.
import { loadSession } from "../pkg/workerd.js";
import { SECRET } from "./fixture.mjs";

export default {
  async fetch(request) {
    const session = await loadSession(request, { secrets: [SECRET] });
    return new Response(session.status);
  },
};
