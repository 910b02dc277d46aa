import { viteSuite } from "./vite.mjs";

viteSuite(8);
