// Hooks between the package's own modules, kept out of the entry shims'
// `export *` (node.js, workerd.js...): nothing here is public API. core.js
// fills it in when it loads; the CLI reads it.
export const internal = {
  /**
   * `{ Codec, optionsKey }` of the wasm-bindgen glue an entry initialised:
   * the default build (native format), or the formats build (every format),
   * which wins when both load.
   */
  glue: null,
  /** True once the glue is the formats build. */
  full: false,
  /** The cached codec for loadSession options (the CLI's inspect). */
  codecFor: null,
  /** Hands core.js an entry's wasm initialisation (browser.js: no top-level await). */
  whenReady: null,
  /**
   * The platform's bulk crypto (crypto.js): WebCrypto unless an entry sets
   * another (node.js: node:crypto); null runs it in wasm (software). Read when a codec
   * is built.
   * @type {object | null | undefined}
   */
  crypto: undefined,
};

/** An entry's wasm is ready: its glue serves every codec built from now on. */
export function useGlue(glue, full) {
  if (!internal.glue || (full && !internal.full)) {
    internal.glue = glue;
    internal.full = full;
  }
}
