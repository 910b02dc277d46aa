// Hooks between the package's own modules, kept out of the entry shims'
// `export *` (node.js, workerd.js...): nothing here is public API. core.js
// fills it in when it loads; the CLI reads it.
export const internal = {
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
