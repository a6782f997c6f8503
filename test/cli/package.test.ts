// The package as another Pulumi program imports it: compiled JavaScript with declarations, flag sets
// and boot scripts beside the code (ts-node does not compile TypeScript inside node_modules).

import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { it } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");

it("builds to JavaScript that plans and renders user data on its own", () => {
    // Inside the repo, so the build resolves its dependencies from node_modules as an installed package would.
    fs.mkdirSync(path.join(ROOT, ".tmp"), { recursive: true });
    const out = fs.mkdtempSync(path.join(ROOT, ".tmp", "dist-"));
    try {
        execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", out], { cwd: ROOT, stdio: "pipe" });
        execFileSync(process.execPath, [path.join(ROOT, "tools", "copy-boot-assets.cjs"), out], { cwd: ROOT });
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
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
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
