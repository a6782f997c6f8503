// Child process for refusals-live.test.ts: builds clusters whose zone or subnet AWS refuses, and prints
// each one's problems as JSON. Run apart because the refused zone also fails every resource waiting
// on it, as unhandled rejections, which is how the engine reports them but noise to node:test.

import type { AwsPreviewWorld } from "../../src/clouds/aws/preview-mocks";
import type { AwsConfig } from "../../src/clouds/aws/schema";
// The fixtures and the mocks (which load Pulumi) are imported in main(), so the test that reads
// SCENARIOS from this file does not load them.

export const REFUSAL_WORLD: AwsPreviewWorld = {
    region: "us-east-2",
    offerings: { "p5.48xlarge": ["us-east-2a"], "p5en.48xlarge": [] },
    subnets: { "subnet-0e1fe": { vpcId: "vpc-0e1fe", cidrBlock: "10.1.0.0/24", availabilityZone: "us-east-2c" } },
};

export const SCENARIOS: Record<string, { row: string; aws?: AwsConfig; region?: string }> = {
    badzone: { row: "fp8-2x8xh100", aws: { availabilityZone: "us-east-2c" } },
    nowhere: { row: "fp8-8xh200", region: "us-east-2" },
    wrongvpc: { row: "fp8-2x8xh100", aws: { vpcId: "vpc-0a1b", subnetId: "subnet-0e1fe", subnetCidr: "10.1.0.0/24", availabilityZone: "us-east-2a" } },
    wrongcidr: { row: "fp8-2x8xh100", aws: { vpcId: "vpc-0e1fe", subnetId: "subnet-0e1fe", subnetCidr: "10.1.0.0/23" } },
};

/**
 * Every scenario in turn, each under mocks of its own, in this one process: after a refused
 * registration the RPC queue never drains, so nothing here waits on it (and the test does not share it).
 */
async function main(names: string[]): Promise<void> {
    // Pulumi's runtime formats a stack trace for every promise and resource it makes (through tsx's source
    // maps); this process reports only error names and problems, so it makes them without.
    Error.stackTraceLimit = 0;
    let stray: string[] = [];
    process.on("unhandledRejection", (err) => stray.push((err as Error).name));
    const { awsStackFor, withAws } = require("./fixtures") as typeof import("./fixtures");
    const { installAwsMocks, unwrap } = require("./mocks") as typeof import("./mocks");
    const { AwsServingCluster } = require("../../src/clouds/aws/index") as typeof import("../../src/clouds/aws/index");
    const outcomes: Record<string, unknown> = {};
    for (const name of names) {
        const sc = SCENARIOS[name];
        if (!sc) throw new Error(`unknown scenario ${name}`);
        stray = [];
        await installAwsMocks(REFUSAL_WORLD);
        const base = awsStackFor(sc.row);
        const stack = sc.aws ? withAws(base, sc.aws) : base;
        const plan = sc.region ? { ...stack.plan, region: sc.region } : stack.plan;
        const cluster = new AwsServingCluster(name, { plan });
        let result: Record<string, unknown>;
        try {
            result = { resolved: await unwrap(cluster.availabilityZone) };
        } catch (err) {
            result = { error: (err as Error).name, problems: (err as { problems?: unknown }).problems };
        }
        // The dependent registrations fail as unhandled rejections; give them a moment to.
        await new Promise((r) => setTimeout(r, 300));
        outcomes[name] = { ...result, strayKinds: [...new Set(stray)] };
    }
    process.stdout.write(JSON.stringify(outcomes));
    process.exit(0);
}

// Run only as a script (the test imports SCENARIOS from this file).
if (process.argv[1] && /refusal-runner\.ts$/.test(process.argv[1])) {
    main(process.argv.slice(2)).catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
