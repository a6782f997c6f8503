// `pulumi up` loads src/program.ts through ts-node: @pulumi/pulumi 3.248.0 takes TypeScript from our
// node_modules and falls back to its vendored ts-node 7.0.1, whose require hook resolves only
// extensionless relative imports to .ts files. This test loads the program exactly that way (with
// type checking, Pulumi's default) and runs it under mocks, so a `.js` import specifier or a type
// error that would break `pulumi up` fails here.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { it } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");

it("loads and runs src/program.ts the way the Pulumi Node.js language host does", () => {
    const script = `
        const pulumi = require("@pulumi/pulumi");
        const tsnode = require(require.resolve("@pulumi/pulumi/package.json").replace("package.json", "vendor/ts-node@7.0.1"));
        // The options run.js passes for a CommonJS project on TypeScript >= 4.7 (cmd/run/run.js).
        tsnode.register({ compiler: "typescript", transpileOnly: undefined, project: "tsconfig.json", skipProject: false,
            compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true" } });
        const { awsPreviewMocks } = require("./src/clouds/aws/preview-mocks.ts");
        const seen = [];
        (async () => {
            await pulumi.runtime.setMocks(awsPreviewMocks({ region: "us-east-2" }, (a) => seen.push(a.type + " " + a.inputs.instanceType)), "deepseek-sglang", "loader", false);
            pulumi.runtime.setAllConfig({ "aws:region": "us-east-2", "deepseek-sglang:cluster": JSON.stringify({ cloud: "aws", gpu: "H200", weights: "fp8" }) }, []);
            const program = require("./src/program.ts").default;
            await program();
            await pulumi.runtime.waitForRPCs();
            process.stdout.write(String(seen.filter((t) => t === "aws:ec2/launchTemplate:LaunchTemplate p5en.48xlarge").length));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "1", "one p5en instance for fp8-8xh200");
});
