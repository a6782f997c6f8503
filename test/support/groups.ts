// `npm test` runs the test files in a few processes, not one each: every process pays for Node, tsx
// and (for most files) Pulumi and the cloud SDKs before its first test, about a second of CPU, which
// over fifty files was a third of the suite. Each group file (test/groups/<name>.ts) loads its
// members into one process, each inside a suite named after the file, so a file's top-level hooks
// (setMocks in `before`, servers stopped in `after`) stay scoped to that file's tests, and the report
// still says which file a test belongs to. A test file still runs alone too:
// `node --require tsx/cjs --test test/aws/cluster.test.ts`.
//
// Every *.test.ts belongs to exactly one group: the groups below by pattern, the rest to "main".

import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { describe } from "node:test";

const TEST_ROOT = join(__dirname, "..");

/**
 * Members by path under test/ (`*` matches within one path segment). The runner starts the group files
 * in name order, three at a time (`--test-concurrency=3` on two cores): the boot sandboxes, whose tests
 * mostly wait on child processes (stage scripts, stand-ins, backoffs), are the longest, so their names
 * put them among the first three, and their waits overlap with the groups that build resource graphs.
 */
export const GROUPS: Readonly<Record<string, readonly string[]>> = {
    "boot-sandbox": ["boot/sandbox-single.test.ts", "boot/sandbox-multi.test.ts"],
    "boot-faults": ["boot/sandbox-faults.test.ts", "weights/staging-sandbox.test.ts", "gcp/boot-sandbox.test.ts", "hosts/sandbox.test.ts"],
    aws: ["aws/*.test.ts"],
    clouds: ["gcp/*.test.ts", "hosts/*.test.ts", "clouds/*.test.ts", "readiness/*.test.ts", "weights/*.test.ts", "package/*.test.ts"],
    cli: ["cli/*.test.ts", "plan/*.test.ts"],
    main: [],
};

function matches(pattern: string, file: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
    return re.test(file);
}

/** Every test file, as a path under test/. */
export function testFiles(): string[] {
    return readdirSync(TEST_ROOT, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".test.ts"))
        .sort();
}

/** The group a test file runs in: the first listed whose patterns match it (gcp/boot-sandbox before gcp/*), else "main". */
export function groupOf(file: string): string {
    return Object.entries(GROUPS).find(([, patterns]) => patterns.some((p) => matches(p, file)))?.[0] ?? "main";
}

/** Load every member of the group named after the calling file, each in a suite of its own. */
export function runGroup(groupFile: string): void {
    const group = basename(groupFile, ".ts");
    if (!(group in GROUPS)) throw new Error(`${groupFile}: no group "${group}" in test/support/groups.ts`);
    for (const file of testFiles().filter((f) => groupOf(f) === group)) {
        describe(file, () => {
            require(join(TEST_ROOT, file));
        });
    }
}
