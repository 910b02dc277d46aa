// Cold-start baseline: a Worker with no wasm and no session work.
export default {
  async fetch() {
    return new Response("valid");
  },
};
