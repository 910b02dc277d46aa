// The session every benchmark carries: about 1 KiB of JSON with a nested
// user, a 20-item cart and a CSRF token. Secrets are fixed test values.

export const SECRET = "bench-secret-0123456789abcdef-0123456789";
export const MAX_AGE = 14 * 86400;

/** A fresh copy of the ~1 KiB session. */
export function sessionData() {
  return {
    user: {
      id: "usr_8f14e45fceea167a",
      name: "Ada Lovelace",
      email: "ada@example.com",
      roles: ["admin", "billing"],
      prefs: { theme: "dark", locale: "en-GB", tz: "Europe/London" },
    },
    cart: Array.from({ length: 20 }, (_, i) => ({
      sku: `SKU-${1000 + i}`,
      qty: 1 + (i % 3),
      price: 499 + i * 100,
    })),
    csrf: "q3Jx0Vb9mY2L7tRk5wZp8nFhC4sGd1eA6uKoTiXyN0M",
  };
}

/** Throws unless `d` is the session above (possibly with a changed quantity). */
export function check(d) {
  if (!d || d.user?.name !== "Ada Lovelace" || d.cart?.length !== 20 || typeof d.csrf !== "string") {
    throw new Error(`bench: the session did not load intact: ${JSON.stringify(d)?.slice(0, 120)}`);
  }
}

/**
 * The ~1 KiB session grown to about `bytes` of JSON by a browsing history
 * (many small objects, as real large sessions are, not one long string).
 */
export function sessionOfSize(bytes) {
  const d = sessionData();
  d.history = [];
  let size = JSON.stringify(d).length;
  for (let i = 0; size < bytes; i++) {
    const item = { path: `/products/category-${i % 7}/item-${10000 + i * 37}`, at: 1767225600 + i * 61, title: `Product ${i}: "quoted" & more` };
    d.history.push(item);
    size += JSON.stringify(item).length + 1;
  }
  return d;
}
