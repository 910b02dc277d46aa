#!/usr/bin/env node
// edge-session command line: `edge-session secret`, `edge-session inspect`.
// Runs the package's own wasm build under Node >= 20; no other dependency.
// The parts: cli/args.js (argument parsing), cli/commands.js (the commands),
// cli/render.js (output), cli/inspect.js (what the core says about a cookie).
import "./formats/node.js"; // initialises the wasm, every format
import { main } from "./cli/commands.js";

process.exitCode = main(process.argv.slice(2));
