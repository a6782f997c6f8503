// `cloud-init schema --config-file` for many documents in one process: the same function the command
// calls (cloudinit.config.schema.validate_cloudconfig_file with the full schema), run by cloud-init's
// own interpreter, so a suite that checks every node of every stack pays Python's start-up once.

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SCRIPT = `
import json, sys
from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
schema = get_schema()
for path in sys.argv[1:]:
    try:
        validate_cloudconfig_file(path, schema)
        print("@@ " + json.dumps([path, None]))
    except (SchemaValidationError, RuntimeError) as e:
        print("@@ " + json.dumps([path, str(e)]))
`;

/** The interpreter cloud-init runs under (its shebang): Debian's, whatever python3 is first on PATH. */
function cloudInitPython(): string {
    const which = spawnSync("sh", ["-c", "command -v cloud-init"], { encoding: "utf8" });
    const bin = which.stdout.trim();
    // Tests that need the validator fail where it is missing; .ci/run installs it.
    if (which.status !== 0 || !bin) throw new Error("cloud-init is not installed (apt-get install cloud-init)");
    const shebang = /^#!\s*(\S+)/.exec(fs.readFileSync(bin, "utf8").split("\n")[0] ?? "");
    if (!shebang?.[1]) throw new Error(`${bin}: no interpreter line`);
    return shebang[1];
}

/** Name -> null when valid, else cloud-init's message. */
export function validateCloudConfigs(docs: ReadonlyArray<{ name: string; text: string }>): Map<string, string | null> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloud-config-"));
    try {
        const files = docs.map((d, i) => {
            const file = path.join(dir, `${i}.yaml`);
            fs.writeFileSync(file, d.text);
            return file;
        });
        const r = spawnSync(cloudInitPython(), ["-c", SCRIPT, ...files], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`cloud-init's validator failed: ${r.stderr}`);
        const byFile = new Map(r.stdout.split("\n").filter((l) => l.startsWith("@@ ")).map((l) => JSON.parse(l.slice(3)) as [string, string | null]));
        return new Map(docs.map((d, i) => [d.name, byFile.has(files[i] ?? "") ? (byFile.get(files[i] ?? "") ?? null) : "not validated"]));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
