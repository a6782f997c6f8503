// Plausible answers for running AwsServingCluster under Pulumi's mock runtime: the offline `plan`
// command, the tests and the bench. No Pulumi runtime import, only its types, so importing this
// module registers nothing.

import type * as pulumi from "@pulumi/pulumi";
import { previewError, stableHex } from "../preview-values";
import { INSTANCE_TYPES } from "../../catalog/index";
import { awsPartition } from "./partition";

/** What the offline world looks like; every field has a default. */
export interface AwsPreviewWorld {
    /** Region the provider would talk to; invokes that pass `region` win. Default us-east-1. */
    region?: string;
    /** Zones offering each instance type; default: zones a, b and c of the region for every catalog type. */
    offerings?: Record<string, string[]>;
    /** Existing subnets by id, as DescribeSubnets would report them. */
    subnets?: Record<string, { vpcId: string; cidrBlock: string; availabilityZone: string }>;
    /** Existing VPC CIDRs by id. */
    vpcCidrs?: Record<string, string>;
    /** SSM parameters that exist; by default every DLAMI parameter under /aws/service/deeplearning/ resolves. */
    ssmParameters?: Record<string, string>;
    /** Set to false to make the DLAMI parameters missing (to test the fallback and the refusal). */
    dlamiPublished?: boolean;
    /** Service Quotas values by quota code; default 4,608 vCPUs (room for every stack). */
    quotas?: Record<string, number>;
}

export const PREVIEW_ACCOUNT_ID = "123456789012";
export const PREVIEW_AMI_ID = "ami-0a1b2c3d4e5f60789";
/** The staging host's Amazon Linux 2023 image in a preview. */
export const PREVIEW_STAGING_AMI_ID = "ami-0f1e2d3c4b5a69870";

/**
 * The world a stack config describes: its region, and the subnet/VPC the user names taken at their
 * word (offline there is no account to ask; `pulumi preview` asks AWS).
 */
export function awsPreviewWorld(config: Record<string, unknown>): AwsPreviewWorld {
    const region = typeof config["aws:region"] === "string" ? (config["aws:region"] as string) : undefined;
    const cluster = config["deepseek-sglang:cluster"] as { aws?: Record<string, unknown> } | undefined;
    const aws = cluster?.aws ?? {};
    const world: AwsPreviewWorld = { region };
    if (typeof aws.subnetId === "string" && typeof aws.vpcId === "string") {
        const az = typeof aws.availabilityZone === "string" ? aws.availabilityZone : `${region ?? "us-east-1"}a`;
        world.subnets = { [aws.subnetId]: { vpcId: aws.vpcId, cidrBlock: String(aws.subnetCidr ?? "10.42.0.0/24"), availabilityZone: az } };
        if (typeof aws.vpcCidr === "string") world.vpcCidrs = { [aws.vpcId]: aws.vpcCidr };
    }
    if (typeof aws.availabilityZone === "string" && typeof aws.instanceType === "string") {
        world.offerings = { [aws.instanceType]: [...defaultZones(region ?? "us-east-1"), aws.availabilityZone] };
    }
    return world;
}

/** The answer to one invoke, as `mocks.call` must return it. Unknown tokens throw (with `.details`). */
export function awsPreviewCall(token: string, inputs: Record<string, any>, world: AwsPreviewWorld = {}): Record<string, any> {
    const region: string = inputs.region ?? world.region ?? "us-east-1";
    switch (token) {
        case "aws:ssm/getParameter:getParameter":
            return ssmParameter(String(inputs.name), region, world);
        case "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings":
            return instanceTypeOfferings(inputs, region, world);
        case "aws:servicequotas/getServiceQuota:getServiceQuota":
            return { ...inputs, id: `${inputs.serviceCode}/${inputs.quotaCode}`, value: world.quotas?.[String(inputs.quotaCode)] ?? 4608, adjustable: true, globalQuota: false, quotaName: String(inputs.quotaCode) };
        case "aws:ec2/getSubnet:getSubnet":
            return existingSubnet(String(inputs.id), region, world);
        case "aws:ec2/getVpc:getVpc": {
            const cidrBlock = world.vpcCidrs?.[inputs.id] ?? "10.0.0.0/16";
            return { id: inputs.id, cidrBlock, region };
        }
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { id: region, names: defaultZones(region), zoneIds: defaultZones(region).map((_, i) => `use1-az${i + 1}`), region };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { id: PREVIEW_ACCOUNT_ID, accountId: PREVIEW_ACCOUNT_ID, arn: `arn:aws:iam::${PREVIEW_ACCOUNT_ID}:user/preview`, userId: "AIDAPREVIEW" };
        case "aws:index/getRegion:getRegion":
            return { id: region, name: region, region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
        case "aws:index/getPartition:getPartition":
            return { id: "aws", partition: awsPartition(region), dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        default:
            throw previewError(`no preview answer for invoke ${token}`);
    }
}

/** Outputs a real create would report for a resource, derived from its inputs; ids are stable per name. */
export function awsPreviewState(type: string, name: string, inputs: Record<string, any>, world: AwsPreviewWorld = {}): { id: string | undefined; state: Record<string, any> } {
    const region: string = inputs.region ?? world.region ?? "us-east-1";
    const suffix = stableHex(`${type}/${name}`, 8);
    const arn = `arn:${awsPartition(region)}:${serviceOf(type)}:${region}:${PREVIEW_ACCOUNT_ID}:${name}`;
    const base = { ...inputs, arn };
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${name}-${suffix}`;
            return { id: bucket, state: { ...inputs, bucket, arn: `arn:${awsPartition(region)}:s3:::${bucket}` } };
        }
        case "aws:secretsmanager/secret:Secret":
            return { id: `${arn}-${suffix.slice(0, 6)}`, state: { ...base, arn: `arn:${awsPartition(region)}:secretsmanager:${region}:${PREVIEW_ACCOUNT_ID}:secret:${name}-${suffix.slice(0, 6)}` } };
        case "random:index/randomPassword:RandomPassword":
            return { id: "none", state: { ...inputs, result: stableHex(`password/${name}`, Number(inputs.length ?? 32)) } };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { id: `lt-${stableHex(name, 17)}`, state: { ...base, latestVersion: 1, defaultVersion: 1 } };
        case "aws:ec2/instance:Instance":
            return { id: `i-${stableHex(name, 17)}`, state: { ...base } };
        case "aws:ec2/placementGroup:PlacementGroup":
            return { id: `${name}-${suffix}`, state: { ...base, name: inputs.name ?? `${name}-${suffix}` } };
        case "aws:lb/loadBalancer:LoadBalancer":
            return { id: arn, state: { ...base, dnsName: `internal-${name}-${suffix}.${region}.elb.amazonaws.com` } };
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile": {
            const kind = type.endsWith("Role") ? "role" : "instance-profile";
            const physical = `${name}-${suffix}`;
            return { id: physical, state: { ...inputs, name: physical, arn: `arn:${awsPartition(region)}:iam::${PREVIEW_ACCOUNT_ID}:${kind}/${physical}` } };
        }
        default:
            return { id: `${name}-${suffix}`, state: base };
    }
}

/** A complete `pulumi.runtime.Mocks` for the AWS component, optionally recording every registration. */
export function awsPreviewMocks(world: AwsPreviewWorld = {}, record?: (args: pulumi.runtime.MockResourceArgs) => void): pulumi.runtime.Mocks {
    return {
        newResource(args) {
            record?.(args);
            if (args.custom === false) return { id: undefined, state: {} };
            return awsPreviewState(args.type, args.name, args.inputs, world);
        },
        call(args) {
            return awsPreviewCall(args.token, args.inputs, world);
        },
    };
}

function ssmParameter(name: string, region: string, world: AwsPreviewWorld): Record<string, any> {
    const value = world.ssmParameters?.[name]
        ?? (name.startsWith("/aws/service/deeplearning/ami/") && world.dlamiPublished !== false ? PREVIEW_AMI_ID : undefined)
        ?? (name.startsWith("/aws/service/ami-amazon-linux-latest/") ? PREVIEW_STAGING_AMI_ID : undefined);
    if (value === undefined) throw previewError(`ParameterNotFound: ${name}`);
    return { id: name, name, value, insecureValue: value, type: "String", version: 1, arn: `arn:aws:ssm:${region}::parameter${name}`, region };
}

function instanceTypeOfferings(inputs: Record<string, any>, region: string, world: AwsPreviewWorld): Record<string, any> {
    const filter = (inputs.filters ?? []).find((f: { name: string }) => f.name === "instance-type");
    const types: string[] = filter?.values ?? INSTANCE_TYPES.filter((t) => t.cloud === "aws").map((t) => t.name);
    const pairs = types.flatMap((t) => {
        const zones = world.offerings?.[t] ?? (INSTANCE_TYPES.some((k) => k.cloud === "aws" && k.name === t) ? defaultZones(region) : []);
        return zones.map((z) => ({ type: t, zone: z }));
    });
    return {
        id: region,
        region,
        locationType: inputs.locationType,
        instanceTypes: pairs.map((p) => p.type),
        locations: pairs.map((p) => p.zone),
        locationTypes: pairs.map(() => "availability-zone"),
    };
}

function existingSubnet(id: string, region: string, world: AwsPreviewWorld): Record<string, any> {
    const subnet = world.subnets?.[id];
    if (!subnet) throw previewError(`InvalidSubnetID.NotFound: ${id}`);
    return { id, arn: `arn:aws:ec2:${region}:${PREVIEW_ACCOUNT_ID}:subnet/${id}`, region, ...subnet };
}

function defaultZones(region: string): string[] {
    return ["a", "b", "c"].map((letter) => `${region}${letter}`);
}


function serviceOf(type: string): string {
    return type.split(":")[1]?.split("/")[0] ?? "mock";
}


