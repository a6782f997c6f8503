// The test suite's own layout: every group test/support/groups.ts names has its entry file, and every
// entry file is a group, so no test file is left out of `npm test`.

import { strict as assert } from "node:assert";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import { GROUPS, groupOf, testFiles } from "./support/groups";
import { needs } from "./support/requirements";
import { TS_NODE_ARGS } from "./support/ts-child";

test("every group has an entry file in test/groups, and every entry file is a group", () => {
    const entries = readdirSync(join(__dirname, "groups")).map((f) => f.replace(/\.ts$/, "")).sort();
    assert.deepEqual(entries, Object.keys(GROUPS).sort());
});

test("every test file runs in a group, and every group's patterns match a file", () => {
    const files = testFiles();
    assert.ok(files.length > 40, `only ${files.length} test files found`);
    assert.ok(files.includes("suite.test.ts"));
    for (const [name, patterns] of Object.entries(GROUPS)) {
        if (name !== "main") assert.ok(files.some((f) => groupOf(f) === name), `group ${name} has no files: ${patterns.join(", ")}`);
    }
    assert.equal(groupOf("gcp/boot-sandbox.test.ts"), "boot-faults");
    assert.equal(groupOf("gcp/cluster.test.ts"), "clouds");
    assert.equal(groupOf("acceptance/smoke.test.ts"), "main");
});

test("a test that needs what the machine lacks skips on a workstation and fails in CI (DSTEST_STRICT=1)", () => {
    const run = (strict: boolean) => spawnSync(process.execPath, [...TS_NODE_ARGS, "-e", `
        const { needs } = require("./support/requirements");
        process.stdout.write(JSON.stringify(needs("shellcheck is not installed")));`], { cwd: __dirname, encoding: "utf8", env: { ...process.env, DSTEST_STRICT: strict ? "1" : "" } });
    const lax = run(false);
    assert.equal(lax.status, 0, lax.stderr);
    assert.deepEqual(JSON.parse(lax.stdout), { skip: "shellcheck is not installed" });
    const strict = run(true);
    assert.notEqual(strict.status, 0);
    assert.match(strict.stderr, /shellcheck is not installed: required here \(DSTEST_STRICT=1/);
    assert.deepEqual(needs(false), { skip: false });
});
