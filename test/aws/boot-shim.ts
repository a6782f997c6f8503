// TEMPORARY: until src/boot/index.ts lands, point the component's import of it at a test stand-in.
// When the real module exists this file does nothing.

import * as fs from "node:fs";
import * as path from "node:path";
import Module from "node:module";

const realBoot = path.resolve(__dirname, "../../src/boot/index.ts");
if (!fs.existsSync(realBoot)) {
    const stand = path.resolve(__dirname, "boot-standin.ts");
    const M = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
    const original = M._resolveFilename;
    M._resolveFilename = function (request: string, ...rest: unknown[]) {
        if (/\/boot\/index(\.js)?$/.test(request)) return stand;
        return original.call(this, request, ...rest);
    };
}
