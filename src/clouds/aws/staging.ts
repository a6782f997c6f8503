// The staging host: a cheap network-heavy CPU instance that fills the weights mirror before any GPU
// exists (renderStagingUserData), then powers off, which terminates it. Its own role reads the Hugging
// Face token and the tools, writes the mirror's prefix and its own status prefix, nothing else.
// MirrorComplete waits on the record it writes last; the GPU nodes depend on that.

import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as ssm from "@pulumi/aws/ssm";
import type { BootHooks } from "../../boot/hooks";
import { encodeUserData } from "../../boot/render";
import { renderStagingUserData } from "../../boot/staging";
import { hostAddresses } from "../../plan/addresses";
import type { ServingPlan } from "../../plan/types";
import { readinessBudget } from "../../readiness/budget";
import { MirrorComplete } from "../../weights/mirror-gate";
import { MIRROR_COMPLETE_RECORD, stagingDiskGiB } from "../../weights/staging";
import { AWS_STAGING_HOST } from "./adapter";
import { s3StatusStore } from "./status-store";
import { TOOLS_PREFIX, type ClusterStorage, type WeightsMirror } from "./storage";

/** Where the staging host publishes its status record: beside, never under, the nodes' `status/`. */
export const STAGING_STATUS_PREFIX = "staging";
/** Amazon Linux 2023's public SSM parameter: AWS CLI v2 and python3 preinstalled, numpy from its repo. */
export const STAGING_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
// AL2023's root device; naming it resizes the image's own root volume.
const ROOT_DEVICE = "/dev/xvda";
// Below the nodes' first host (CLOUDS.aws.firstHostOffset = 10) and above AWS's reserved .0-.3.
const STAGING_HOST_OFFSET = 4;

/** Plain ARNs the staging policy names. */
export interface StagingPolicyTargets {
    hfTokenArn: string | null;
    stateBucketArn: string;
    weights: { bucketArn: string; prefix: string };
}

/** The staging role's inline policy. Pure, so tests read every statement. */
export function stagingPolicyDocument(t: StagingPolicyTargets) {
    const mirror = `${t.weights.bucketArn}/${t.weights.prefix}/*`;
    const prefixes = (ps: string[]) => ps.flatMap((p) => [p, `${p}/*`]);
    return {
        Version: "2012-10-17",
        Statement: [
            ...(t.hfTokenArn ? [{ Sid: "ReadHfToken", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [t.hfTokenArn] }] : []),
            { Sid: "ListMirror", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [t.weights.bucketArn], Condition: { StringLike: { "s3:prefix": prefixes([t.weights.prefix]) } } },
            { Sid: "FillMirror", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], Resource: [mirror] },
            { Sid: "ReadTools", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${t.stateBucketArn}/${TOOLS_PREFIX}/*`] },
            { Sid: "WriteStagingStatus", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: [`${t.stateBucketArn}/${STAGING_STATUS_PREFIX}/*`] },
        ],
    };
}

/** The staging host's fixed address: the first host from offset 4 that no rank uses; null in a subnet of unknown range. */
export function stagingAddress(plan: ServingPlan): string | null {
    const cidr = plan.placement.network.subnetCidr;
    if (!cidr) return null;
    const taken = new Set(plan.nodes.map((n) => n.address));
    return (hostAddresses(cidr, STAGING_HOST_OFFSET, 6) ?? []).find((a) => !taken.has(a)) ?? null;
}

export interface StagingContext {
    name: string;
    parent: pulumi.Resource;
    plan: ServingPlan;
    region: string;
    storage: ClusterStorage;
    weights: WeightsMirror;
    hfTokenArn: pulumi.Output<string> | null;
    /** The GPU nodes' boot hooks; the staging host's differ in its status prefix only. */
    hooks: pulumi.Output<BootHooks>;
    vpcId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    /** What must exist before it boots: its grants, the secret values, the egress routes, the tools. */
    bootDependencies: pulumi.Resource[];
    tags: Record<string, string>;
}

export interface Staging {
    instance: ec2.Instance;
    mirrorComplete: MirrorComplete;
    userData: pulumi.Output<string>;
}

export function stagingHost(ctx: StagingContext): Staging {
    const { parent, plan } = ctx;
    const name = `${ctx.name}-staging`;
    const opts = { parent };
    const tags = { ...ctx.tags, Name: name };
    const role = new iam.Role(name, {
        description: `Staging host of the DeepSeek SGLang cluster ${ctx.name}: fills the weights mirror`,
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        tags: ctx.tags,
    }, opts);
    const policy = pulumi.all([ctx.hfTokenArn ?? pulumi.output(null), ctx.storage.stateBucketArn, ctx.weights.bucketArn])
        .apply(([hfTokenArn, stateBucketArn, bucketArn]) => JSON.stringify(stagingPolicyDocument({ hfTokenArn, stateBucketArn, weights: { bucketArn, prefix: ctx.weights.prefix } })));
    const access = new iam.RolePolicy(`${name}-access`, { role: role.id, policy }, opts);
    const profile = new iam.InstanceProfile(name, { role: role.name, tags: ctx.tags }, opts);
    // No ingress at all; out on HTTPS only (Hugging Face, S3, Secrets Manager, the distribution's mirrors).
    const group = new ec2.SecurityGroup(name, {
        vpcId: ctx.vpcId,
        description: `Staging host of ${ctx.name}: no ingress, HTTPS out`,
        egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "HTTPS: Hugging Face, S3, Secrets Manager" }],
        tags,
    }, opts);
    const userData = pulumi.all([ctx.hooks, ctx.storage.stateBucketName]).apply(([hooks, bucket]) =>
        renderStagingUserData(plan, { ...hooks, statusPrefix: `s3://${bucket}/${STAGING_STATUS_PREFIX}` }));
    const imageId = pulumi.output(ssm.getParameter({ name: STAGING_AMI_PARAMETER, region: ctx.region }, opts)).apply((p) => p.value);
    const address = stagingAddress(plan);
    const instance = new ec2.Instance(name, {
        ami: imageId,
        instanceType: AWS_STAGING_HOST.type,
        subnetId: ctx.subnetId,
        vpcSecurityGroupIds: [group.id],
        associatePublicIpAddress: false,
        ...(address ? { privateIp: address } : {}),
        iamInstanceProfile: profile.name,
        // Powering off ends it: the script powers off when the mirror is complete (or staging failed).
        instanceInitiatedShutdownBehavior: "terminate",
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        rootBlockDevice: { deviceName: ROOT_DEVICE, volumeSize: stagingDiskGiB(plan), volumeType: "gp3", iops: 16_000, throughput: 1_000, encrypted: true, deleteOnTermination: true },
        userDataBase64: userData.apply((text) => encodeUserData(text).base64),
        userDataReplaceOnChange: true,
        // Detailed (1-minute) CloudWatch monitoring, as the GPU nodes: AWSGuard ec2-instance-detailed-monitoring-enabled.
        monitoring: true,
        tags,
        volumeTags: tags,
    }, { parent, dependsOn: [access, ...ctx.bootDependencies], ignoreChanges: ["ami"] });
    const budget = readinessBudget(plan).stages["fetch-weights"] ?? 0;
    const mirrorComplete = new MirrorComplete(`${ctx.name}-mirror-complete`, {
        recordUrl: pulumi.interpolate`s3://${ctx.weights.bucketName}/${ctx.weights.prefix}/${MIRROR_COMPLETE_RECORD}`,
        repo: plan.weights.sourceRepo,
        revision: plan.weights.revision,
        timeoutSeconds: budget + 1800,
        stagingStatusUrl: pulumi.interpolate`s3://${ctx.storage.stateBucketName}/${STAGING_STATUS_PREFIX}/rank-0.json`,
    }, s3StatusStore({ region: ctx.region }), { parent, dependsOn: [instance] });
    return { instance, mirrorComplete, userData };
}
