// The boot renderer reads its scripts and units from disk next to itself; tsc copies only code and
// imported JSON, so the build copies them beside the compiled renderer.
const fs = require("node:fs");
const path = require("node:path");

const outDir = process.argv[2] ?? "dist";
for (const dir of ["scripts", "units"]) {
    fs.cpSync(path.join("src", "boot", dir), path.join(outDir, "boot", dir), { recursive: true });
}
