// How a test starts a TypeScript file in a child process: Node with tsx's CommonJS hook (our code is
// CommonJS; the ESM hook's loader thread only adds start-up time), dependencies left to Node's loader.

import * as path from "node:path";

export const TS_NODE_ARGS: readonly string[] = ["--require", path.join(__dirname, "skip-transpiling-dependencies.cjs"), "--require", "tsx/cjs"];
