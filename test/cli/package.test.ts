// The package as another Pulumi program imports it: compiled JavaScript with declarations, flag sets
// and boot scripts beside the code (ts-node does not compile TypeScript inside node_modules).

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { it } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");

const ASSET_DIRS = ["boot/scripts", "boot/units", "clouds/hosts/scripts"];

function files(dir: string, rel = ""): string[] {
    return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
        const r = path.join(rel, e.name);
        return e.isDirectory() ? files(dir, r) : [r];
    });
}

/**
 * The build `npm run build` makes (tsconfig.build.json: type-checked, with declarations), kept in .tmp/
 * between runs and made with tsc's build mode, which rebuilds what changed and, when nothing did, only
 * compares timestamps: a rerun with the same sources costs a fraction of a second instead of ~20 s of CPU.
 * The directory is keyed by what tsc -b would not notice change (the lockfile, so the dependencies'
 * types, and the compiler's version); outputs whose source is gone are removed, and the boot assets are
 * copied afresh, so nothing left from an older tree can stand in for the current one.
 */
function build(): string {
    const hash = createHash("sha256");
    for (const f of ["package-lock.json", "tsconfig.json", "tsconfig.build.json", "node_modules/typescript/package.json"]) hash.update(fs.readFileSync(path.join(ROOT, f)));
    const key = hash.digest("hex").slice(0, 16);
    const base = path.join(ROOT, ".tmp", "package-build");
    fs.mkdirSync(path.join(base, key), { recursive: true });
    for (const other of fs.readdirSync(base)) if (other !== key) fs.rmSync(path.join(base, other), { recursive: true, force: true });
    const dir = path.join(base, key);
    const config = `${JSON.stringify({
        extends: "../../../tsconfig.build.json",
        compilerOptions: { rootDir: "../../../src", outDir: "dist", incremental: true, tsBuildInfoFile: "tsbuildinfo" },
        include: ["../../../src"],
    }, null, 2)}\n`;
    const configFile = path.join(dir, "tsconfig.json");
    // Rewritten only when it differs: tsc -b rebuilds everything when its config is newer than the build.
    if (!fs.existsSync(configFile) || fs.readFileSync(configFile, "utf8") !== config) fs.writeFileSync(configFile, config);
    execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", configFile], { cwd: ROOT, stdio: "pipe" });
    const out = path.join(dir, "dist");
    for (const a of ASSET_DIRS) fs.rmSync(path.join(out, a), { recursive: true, force: true });
    for (const f of files(out)) {
        const source = f.replace(/\.d\.ts$|\.js$/, ".ts");
        if (source !== f && !fs.existsSync(path.join(ROOT, "src", source))) fs.rmSync(path.join(out, f));
    }
    execFileSync(process.execPath, [path.join(ROOT, "tools", "copy-boot-assets.cjs"), out], { cwd: ROOT });
    return out;
}

it("builds to JavaScript that plans and renders user data on its own", () => {
    // Inside the repo, so the build resolves its dependencies from node_modules as an installed package would.
    const out = build();
    assert.ok(fs.existsSync(path.join(out, "index.d.ts")), "declarations for a typed import");
    const script = `
        const m = require(${JSON.stringify(path.join(out, "index.js"))});
        const r = m.planFromConfig({ "deepseek-sglang:cluster": { cloud: "aws", gpu: "H100", weights: "fp8" }, "aws:region": "us-east-2" }, { stack: "pkg" });
        if (!r.ok) throw new Error(JSON.stringify(r.problems));
        const hooks = { cloud: "aws", region: "us-east-2", secrets: { hfToken: null, apiKey: "arn:aws:secretsmanager:us-east-2:1:secret:k" }, weightsMirror: null, statusPrefix: "s3://b/status", cachePrefix: null };
        const ud = m.renderUserData(r.plan, 1, hooks);
        if (!ud.startsWith("#cloud-config") || !ud.includes("fetch-weights")) throw new Error("bad user data");
        if (typeof m.AwsServingCluster !== "function") throw new Error("component not exported");
        process.stdout.write(String(r.plan.nodes.length));`;
    assert.equal(execFileSync(process.execPath, ["-e", script], { cwd: os.tmpdir(), encoding: "utf8" }), "2");
});

it("package.json points at the build", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.equal(pkg.main, "dist/index.js");
    assert.equal(pkg.types, "dist/index.d.ts");
});

it("takes @pulumi/pulumi from the user's program (a peer), so one SDK and one set of default providers exist", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.match(pkg.peerDependencies["@pulumi/pulumi"], /^\^3\.\d+\.\d+$/);
    assert.equal(pkg.dependencies["@pulumi/pulumi"], undefined);
    assert.equal(pkg.devDependencies["@pulumi/pulumi"], "3.248.0", "the last release for Node 20, for our own tests");
});
