// The staging host in the AWS graph: no GPU instance is created before the mirror is complete
// (every GPU node depends on MirrorComplete, which depends on the staging instance), and the staging
// instance's security-relevant inputs: terminate on power-off, IMDSv2, encrypted root sized to the
// weights, private subnet without a public address, no ingress, and a least-privilege role.

import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { bytesNeeded } from "../../src/boot/render";
import { AWS_STAGING_HOST } from "../../src/clouds/aws/adapter";
import { awsStackFor, withAws, type AwsStack } from "./fixtures";
import { decodeLaunchTemplateUserData, installAwsMocks, ofType, settle, unwrap, type Harness } from "./mocks";

const HF_TOKEN = "hf_stagingGraphTokenAbcdefghijkl";
const MIRROR_TYPE = "pulumi-nodejs:dynamic/deepseek-sglang:MirrorComplete";
const INSTANCE = "aws:ec2/instance:Instance";

describe("AWS staging host in the graph", () => {
    let harness: Harness;
    /** name -> names of its explicit dependencies, from a resource transform. */
    const dependsOn = new Map<string, string[]>();
    // Staging fills a mirror: stacks with a weights bucket (created by the stack, or an existing one).
    const mirrored = (row: string, weightsBucket: { create?: boolean; name?: string }) => {
        const base = awsStackFor(row);
        return withAws(base, { ...base.aws, weightsBucket });
    };
    const stacks: AwsStack[] = [mirrored("fp8-8xh200", { create: true }), mirrored("bf16-2x8xh200", { name: "team-weights-mirror" })];
    before(async () => {
        harness = await installAwsMocks();
        // A parent's in-process transformation sees every descendant's options (the mock monitor has no transforms).
        const root = new pulumi.ComponentResource("test:index:Root", "root", {}, {
            transformations: [(args) => {
                const deps = ([] as unknown[]).concat(args.opts.dependsOn ?? []);
                dependsOn.set(args.name, deps.map((d) => (d as { __name: string }).__name));
                return undefined;
            }],
        });
        const { AwsServingCluster } = require("../../src/clouds/aws/index") as typeof import("../../src/clouds/aws/index");
        const clusters = stacks.map((s) => new AwsServingCluster(s.rowId, { plan: s.plan, hfToken: pulumi.secret(HF_TOKEN) }, { parent: root }));
        await Promise.all(clusters.map((c) => unwrap(c.nodeIds)));
        await settle();
    });

    it("every GPU instance depends on MirrorComplete, which depends on the staging instance", () => {
        for (const s of stacks) {
            const gates = ofType(harness.resources, MIRROR_TYPE, s.rowId);
            assert.deepEqual(gates.map((g) => g.name), [`${s.rowId}-mirror-complete`]);
            assert.deepEqual(dependsOn.get(`${s.rowId}-mirror-complete`), [`${s.rowId}-staging`]);
            const gpus = ofType(harness.resources, INSTANCE, s.rowId).filter((r) => /-node-\d+$/.test(r.name));
            assert.equal(gpus.length, s.plan.nodes.length);
            for (const g of gpus) assert.ok(dependsOn.get(g.name)?.includes(`${s.rowId}-mirror-complete`), `${g.name}: ${dependsOn.get(g.name)}`);
            // ...and the staging host itself waits on nothing GPU-related.
            assert.ok(!dependsOn.get(`${s.rowId}-staging`)!.some((d) => /-node-\d+$/.test(d)));
            const inputs = gates[0]!.inputs;
            assert.equal(inputs.repo, s.plan.weights.sourceRepo);
            assert.equal(inputs.revision, s.plan.weights.revision);
            assert.match(inputs.recordUrl, /^s3:\/\/[^/]+\/.+\/\.dsboot-mirror-complete\.json$/);
            // It watches the very record the staging host publishes (its boot.env's status prefix, as rank 0).
            const [host] = ofType(harness.resources, INSTANCE, s.rowId).filter((r) => r.name === `${s.rowId}-staging`);
            const prefix = /DSBOOT_STATUS_PREFIX=['"]?([^'"\s]+)/.exec(decodeLaunchTemplateUserData(host!.inputs.userDataBase64))?.[1];
            assert.ok(prefix, "the staging host's user data names its status prefix");
            assert.equal(inputs.stagingStatusUrl, `${prefix}/rank-0.json`);
        }
    });

    it("the staging instance: CPU type, terminate on power-off, IMDSv2, encrypted root sized to the weights, private, no ingress", () => {
        for (const s of stacks) {
            const [host] = ofType(harness.resources, INSTANCE, s.rowId).filter((r) => r.name === `${s.rowId}-staging`);
            assert.ok(host, `${s.rowId}: no staging instance`);
            const i = host.inputs;
            assert.equal(i.instanceType, AWS_STAGING_HOST.type);
            assert.equal(i.instanceInitiatedShutdownBehavior, "terminate");
            assert.equal(i.metadataOptions.httpTokens, "required");
            assert.equal(i.associatePublicIpAddress, false);
            assert.equal(i.rootBlockDevice.encrypted, true);
            assert.ok(i.rootBlockDevice.volumeSize * 2 ** 30 >= bytesNeeded(s.plan), `${i.rootBlockDevice.volumeSize} GiB`);
            const subnet = harness.resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.startsWith(s.rowId))!;
            assert.ok(subnet && subnet.inputs.mapPublicIpOnLaunch !== true);
            assert.ok(!s.plan.nodes.some((n) => n.address === i.privateIp), "the staging address is no rank's");
            const [group] = ofType(harness.resources, "aws:ec2/securityGroup:SecurityGroup").filter((r) => r.name === `${s.rowId}-staging`);
            assert.deepEqual(group!.inputs.ingress ?? [], []);
            assert.deepEqual(group!.inputs.egress.map((e: { fromPort: number; toPort: number }) => [e.fromPort, e.toPort]), [[443, 443]]);
            // Its user data is the staging document, with no secret value in it.
            const text = decodeLaunchTemplateUserData(i.userDataBase64);
            assert.match(text, /dsboot-stage-weights\.service/);
            assert.doesNotMatch(text, new RegExp(HF_TOKEN));
            assert.match(text, /DSBOOT_STATUS_PREFIX='s3:\/\/[^']+\/staging'/);
        }
    });

    it("the staging role: the HF token, the mirror prefix, the tools and its own status prefix, nothing else", () => {
        const s = stacks[0]!;
        const [policy] = ofType(harness.resources, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name === `${s.rowId}-staging-access`);
        const doc = JSON.parse(policy!.inputs.policy) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
        assert.deepEqual(doc.Statement.map((st) => st.Sid), ["ReadHfToken", "ListMirror", "FillMirror", "ReadTools", "WriteStagingStatus"]);
        const actions = doc.Statement.flatMap((st) => st.Action);
        assert.ok(!actions.some((a) => a.includes("*")), actions.join(","));
        const byId = Object.fromEntries(doc.Statement.map((st) => [st.Sid, st.Resource]));
        assert.equal(byId.ReadHfToken!.length, 1);
        assert.match(byId.ReadHfToken![0]!, /hf/i);
        assert.deepEqual(byId.FillMirror!.length, 1);
        assert.match(byId.FillMirror![0]!, /\/.+\/\*$/, "objects under the mirror's prefix only");
        assert.ok(byId.WriteStagingStatus!.every((r) => r.endsWith("/staging/*")));
        // No API key, no SSM: only the transfer's needs.
        const [profile] = ofType(harness.resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((r) => r.name.startsWith(`${s.rowId}-staging`));
        assert.equal(profile, undefined);
    });
});
