import { viteSuite } from "./vite.mjs";

viteSuite(7, { vitest: true });
