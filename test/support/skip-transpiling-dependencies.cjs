// Preloaded by `npm test` (node --require), before tsx, in every test file's process.
//
// tsx's CommonJS hook reads every `.js` file a test loads, dependencies included, and lexes the ones
// that mention import/export to see whether they are ES modules. A package whose package.json says
// CommonJS cannot hold an ES module `.js` file (Node's own rule), so for those the lexing is wasted:
// @pulumi/pulumi alone loads TypeScript's 9 MB compiler, and lexing it was ~0.5 s of every test
// process that loads Pulumi. Files in such packages go to Node's own loader; our TypeScript, and any
// dependency that is an ES module package, still go through tsx.

"use strict";
const Module = require("node:module");
const fs = require("node:fs");
const path = require("node:path");

const extensions = Module._extensions;
const nodeLoader = extensions[".js"];
let tsxLoader = nodeLoader;
const typeOfDir = new Map();

/** The `type` of the package.json nearest to dir ("commonjs" when it names none). */
function packageType(dir) {
    const seen = [];
    let type;
    for (let d = dir; type === undefined; ) {
        if (typeOfDir.has(d)) {
            type = typeOfDir.get(d);
            break;
        }
        seen.push(d);
        try {
            type = JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")).type ?? "commonjs";
        } catch {
            const up = path.dirname(d);
            if (up === d) type = "commonjs";
            d = up;
        }
    }
    for (const d of seen) typeOfDir.set(d, type);
    return type;
}

function load(module, filename) {
    const dependency = filename.includes(`${path.sep}node_modules${path.sep}`) && filename.endsWith(".js");
    if (dependency && packageType(path.dirname(filename)) === "commonjs") return nodeLoader.call(this, module, filename);
    return tsxLoader.call(this, module, filename);
}

// tsx installs its hook by assigning extensions[".js"] (through a setter where there is one): keep
// what it installs and answer with the router above.
Object.defineProperty(extensions, ".js", {
    configurable: true,
    enumerable: true,
    get: () => load,
    set: (hook) => {
        tsxLoader = hook === load ? tsxLoader : hook;
    },
});
