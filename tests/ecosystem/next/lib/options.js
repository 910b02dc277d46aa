export const options = { secrets: [process.env.SESSION_SECRET ?? "ecosystem-check-secret-0123456789-abcdef"] };
