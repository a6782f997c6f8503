// The README's unit-test example, run as a user's test file would run it (the package's name mapped to
// this checkout's source): a README whose example stopped working fails here.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { TS_NODE_ARGS } from "../support/ts-child";

const ROOT = path.resolve(__dirname, "..", "..");

function codeBlocks(markdown: string): string[] {
    return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

test("the README's unit-test example passes against the package's own mocks", () => {
    const example = codeBlocks(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).filter((b) => b.includes("setMocks"));
    assert.equal(example.length, 1, "one example uses the preview mocks");
    // Inside the checkout, so @pulumi/pulumi resolves from its node_modules as from a user's.
    const dir = path.join(ROOT, ".tmp", "readme-example");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `example-${process.pid}.test.ts`);
    fs.writeFileSync(file, example[0]!.replace(/from "deepseek-sglang"/g, `from ${JSON.stringify(path.join(ROOT, "src", "index"))}`));
    try {
        const r = spawnSync(process.execPath, [...TS_NODE_ARGS, "--test", file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
        assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /^# pass 1$/m);
    } finally {
        fs.rmSync(file, { force: true });
    }
});
