// Foreign formats and migration options (iron, remix, cookie-rs, legacy) and
// Session.migratedFrom, as an application writes them. Must compile with
// `tsc --strict`; each @ts-expect-error line must fail (tsc reports an unused one).
import {
  loadSession,
  saveSession,
  type CookieRsOptions,
  type ForeignFormat,
  type IronOptions,
  type LegacyOptions,
  type RemixOptions,
  type SessionOptions,
  type SessionReason,
} from "edge-session";

const password = "an iron-session password of 32+ characters";

export const iron: SessionOptions = { format: "iron", iron: { password }, cookie: { name: "app" } };
export const ironRotating: IronOptions = { password: { 2: password, 1: password } };
export const ironNamed: IronOptions = { password: { default: password } };
export const remix: SessionOptions = { format: "remix", remix: { secrets: ["new", "old"] }, cookie: { name: "__session" } };
export const rsKey: CookieRsOptions = { key: "base64 of 64 bytes" };
export const rsMaster: CookieRsOptions = { masterKey: "a master key of at least 32 bytes!", jar: "signed" };
export const cookieRs: SessionOptions = { format: "cookie-rs", cookieRs: rsMaster };

export const legacy: LegacyOptions[] = [
  { format: "iron", cookie: { name: "app" }, iron: { password } },
  { format: "remix", cookie: { name: "__session", domain: "example.com", secure: false }, remix: { secrets: ["s"] }, notAfter: new Date("2027-03-01T00:00:00Z") },
  { format: "cookie-rs", cookie: { name: "session", path: "/api", httpOnly: false }, cookieRs: { key: "k" }, notAfter: 1_803_945_600_000 },
  { format: "beaker", cookie: { name: "beaker.session.id" }, beaker: { validateKey: "v" } },
];

export async function migrate(request: Request, secret: string): Promise<Response> {
  const session = await loadSession<{ user: string }>(request, { secrets: [secret], legacy });
  const from: ForeignFormat | undefined = session.migratedFrom;
  const reason: SessionReason | undefined = session.reason;
  if (reason === "bad_mac" || reason === "unknown_password" || reason === "bad_signature") void reason;
  return saveSession(session, Response.json({ from: from ?? null, user: session.get("user") ?? null }));
}

// Wrong uses.
// @ts-expect-error: remix.secrets is a list
export const wrongSecrets: RemixOptions = { secrets: "one" };
// @ts-expect-error: a legacy cookie needs its name
export const noName: LegacyOptions = { format: "iron", cookie: {}, iron: { password } };
// @ts-expect-error: the options of another format
export const mixed: LegacyOptions = { format: "iron", cookie: { name: "a" }, remix: { secrets: ["s"] } };
// @ts-expect-error: "native" is not a legacy format
export const nativeLegacy: LegacyOptions = { format: "native", cookie: { name: "a" } };
// @ts-expect-error: notAfter is a Date or ms, not a string
export const textCutOff: LegacyOptions = { format: "remix", cookie: { name: "a" }, remix: { secrets: ["s"] }, notAfter: "2027-03-01" };
// @ts-expect-error: one cookie-rs key, not both
export const bothKeys: CookieRsOptions = { key: "k", masterKey: "m" };
// @ts-expect-error: a cookie-rs key is required
export const noKey: CookieRsOptions = { jar: "private" };
// @ts-expect-error: jars are "private" or "signed"
export const badJar: CookieRsOptions = { key: "k", jar: "public" };
// @ts-expect-error: not a format
export const badFormat: SessionOptions = { format: "jwt" };
export async function readOnly(request: Request, secret: string) {
  const session = await loadSession(request, { secrets: [secret] });
  // @ts-expect-error: migratedFrom is read-only
  session.migratedFrom = "iron";
}
