// The boot renderer reads its scripts and units from disk next to itself; tsc copies only code and
// imported JSON, so the build copies them beside the compiled renderer.
const fs = require("node:fs");
const path = require("node:path");

const outDir = process.argv[2] ?? "dist";
for (const dir of ["boot/scripts", "boot/units", "clouds/hosts/scripts"]) {
    fs.cpSync(path.join("src", dir), path.join(outDir, dir), { recursive: true });
}
