// Plan-time checks of the `aws:` block of the cluster config, and the AWS address layout.
// Pure (no Pulumi import): the adapter lists every AWS problem next to the planner's SGLang ones,
// and the AWS component reuses the same function before it creates anything.

import {
    CLOUDS,
    INSTANCE_TYPES,
    UNFIT_INSTANCE_TYPES,
    findInstanceType,
    instanceTypesFor,
    type GpuId,
    type InstanceType,
} from "../../catalog/index";
import { cidrContains, cidrInside, cidrString, cidrsOverlap, hostAddresses, ipv4ToInt, parseCidr, validIpv4, allowListProblems } from "../../plan/addresses";
import { looksLikeSecret } from "../../intent/values";
import { at } from "../../plan/paths";
import type { Problem } from "../../plan/types";
import type { AwsConfig } from "./schema";

/** The part of the cluster config these checks read. */
type ClusterConfig = { aws?: AwsConfig };

/** Config path of a field of the `aws:` block, e.g. `deepseek-sglang:cluster.aws.instanceType`. */
export function awsPath(field: string): string {
    return at("aws", ...field.split("."));
}

/** VPC the library creates when the user brings none; the cluster subnet is CLOUDS.aws.defaultSubnetCidr inside it. */
export const DEFAULT_AWS_VPC_CIDR = "10.42.0.0/16";

/**
 * Smallest root volume we accept. The DLAMI root snapshot, the SGLang image (tens of GB unpacked) and
 * the compile caches live there; weights go to local NVMe (cloud-facts §1.4, §1.6).
 */
export const MIN_ROOT_VOLUME_GIB = 150;
/** Default root volume: room for two SGLang images during an upgrade plus DeepGEMM/torch caches. */
export const DEFAULT_ROOT_VOLUME_GIB = 300;

// VPC and subnet CIDRs must be between /16 and /28 (Amazon VPC User Guide, "VPC CIDR blocks").
const MIN_AWS_PREFIX = 16;
const MAX_AWS_PREFIX = 28;
// AWS reserves the first four addresses and the last one of every subnet (VPC UG, "Subnet CIDR blocks").
const AWS_RESERVED_LOW = 4;

export interface AwsCheckContext {
    gpu: GpuId;
    nodes: number;
    /** `aws:region` when known; lets us check that a named AZ belongs to it. */
    region?: string | null;
}

/** Every problem with the `aws:` block for a cluster of `ctx.nodes` nodes of `ctx.gpu`. Empty when it is fine. */
export function checkAwsConfig(cluster: ClusterConfig, ctx: AwsCheckContext): Problem[] {
    const aws: AwsConfig = cluster.aws ?? {};
    const type = resolveAwsInstanceType(aws, ctx.gpu);
    return [
        ...checkInstanceType(aws, ctx.gpu),
        ...(type ? checkCapacity(aws, type) : checkCapacityIds(aws)),
        ...checkNetworkIds(aws),
        ...checkCidrs(aws),
        ...checkPrivateIps(aws, ctx.nodes),
        ...checkAllowedCidrs(aws),
        ...checkAvailabilityZone(aws, ctx.region ?? null),
        ...checkRootVolume(aws),
        ...checkWeightsBucket(aws),
        ...checkTags(aws),
    ];
}

/** The EC2 type the cluster runs on: the user's choice if it fits, else the catalog's preferred type for the GPU. */
export function resolveAwsInstanceType(aws: AwsConfig, gpu: GpuId): InstanceType | undefined {
    if (aws.instanceType !== undefined) {
        const named = findInstanceType("aws", aws.instanceType);
        return named && named.gpu === gpu ? named : undefined;
    }
    const offered = instanceTypesFor("aws", gpu);
    return offered.find((t) => t.preferred) ?? offered[0];
}

function checkInstanceType(aws: AwsConfig, gpu: GpuId): Problem[] {
    const name = aws.instanceType;
    const offered = instanceTypesFor("aws", gpu).map((t) => t.name);
    if (name === undefined) {
        if (offered.length > 0) return [];
        return [{ path: at("gpu"), reason: `AWS offers no instance type with ${gpu} GPUs (it has ${awsGpus().join(", ")})` }];
    }
    const unfit = UNFIT_INSTANCE_TYPES[name];
    if (unfit) return [{ path: awsPath("instanceType"), reason: unfit }];
    const known = findInstanceType("aws", name);
    if (!known) {
        const choices = offered.length > 0 ? `; for ${gpu} use ${offered.join(" or ")}` : "";
        return [{ path: awsPath("instanceType"), reason: `unknown EC2 instance type "${name}"${choices}` }];
    }
    if (known.gpu !== gpu) {
        const choices = offered.length > 0 ? `use ${offered.join(" or ")}` : `AWS offers no ${gpu} type`;
        return [{ path: awsPath("instanceType"), reason: `${name} carries ${known.gpu} GPUs but the cluster asks for ${gpu}; ${choices}` }];
    }
    return [];
}

function awsGpus(): GpuId[] {
    return [...new Set(INSTANCE_TYPES.filter((t) => t.cloud === "aws").map((t) => t.gpu))];
}

function checkCapacity(aws: AwsConfig, type: InstanceType): Problem[] {
    const problems = checkCapacityIds(aws);
    // Capacity Blocks for ML cover p4d/p4de/p5/p5e/p5en, not g6e (cloud-facts §1.5 [S8]).
    if (aws.capacity?.type === "capacity-block" && !type.capacityBlock) {
        problems.push({
            path: awsPath("capacity.type"),
            reason: `${type.name} cannot run in a Capacity Block (Capacity Blocks for ML support p4d, p4de, p5, p5e, p5en); use on-demand, spot or a capacity reservation`,
        });
    }
    return problems;
}

function checkCapacityIds(aws: AwsConfig): Problem[] {
    const capacity = aws.capacity;
    if (!capacity) return [];
    const needsId = capacity.type === "reservation" || capacity.type === "capacity-block";
    if (needsId && !capacity.reservationId) {
        return [{ path: awsPath("capacity.reservationId"), reason: `capacity type "${capacity.type}" needs the reservation id (cr-...) to launch into` }];
    }
    if (needsId && !aws.availabilityZone && !aws.subnetId) {
        // A reservation lives in one zone; the new subnet must be created there.
        return [{ path: awsPath("availabilityZone"), reason: `capacity type "${capacity.type}" needs the availabilityZone of reservation ${capacity.reservationId}` }];
    }
    if (!needsId && capacity.reservationId) {
        return [{ path: awsPath("capacity.reservationId"), reason: `a reservation id is only used with capacity type "reservation" or "capacity-block", not "${capacity.type}"` }];
    }
    return [];
}

function checkNetworkIds(aws: AwsConfig): Problem[] {
    const problems: Problem[] = [];
    if (aws.subnetId && !aws.vpcId) {
        problems.push({ path: awsPath("vpcId"), reason: "subnetId needs the vpcId of the VPC that holds it" });
    }
    if (aws.vpcId && !aws.subnetId) {
        problems.push({ path: awsPath("subnetId"), reason: "with an existing vpcId, name the subnet the nodes go into (subnetId)" });
    }
    if (aws.subnetId && !aws.subnetCidr) {
        problems.push({ path: awsPath("subnetCidr"), reason: "an existing subnetId needs its subnetCidr so every rank's private IP is fixed at plan time" });
    }
    return problems;
}

function checkCidrs(aws: AwsConfig): Problem[] {
    const problems: Problem[] = [];
    for (const field of ["vpcCidr", "subnetCidr"] as const) {
        const cidr = aws[field];
        if (cidr === undefined) continue;
        const reason = awsCidrProblem(cidr);
        if (reason) problems.push({ path: awsPath(field), reason });
    }
    if (problems.length > 0 || aws.subnetId) return problems; // the user's own network: AWS already enforces the layout
    const vpc = aws.vpcCidr ?? DEFAULT_AWS_VPC_CIDR;
    const subnet = clusterSubnetCidr(aws);
    if (!cidrInside(subnet, vpc)) {
        problems.push({ path: awsPath("subnetCidr"), reason: `${subnet} is not inside the VPC CIDR ${vpc}` });
    } else if (natSubnetCidr(vpc, subnet) === null) {
        problems.push({ path: awsPath("vpcCidr"), reason: `${vpc} leaves no /28 outside ${subnet} for the NAT gateway's public subnet; use a larger vpcCidr` });
    }
    return problems;
}

function awsCidrProblem(cidr: string): string | null {
    const { prefix } = parseCidr(cidr);
    if (!validIpv4(cidr.split("/")[0]!)) return `${cidr} is not a valid IPv4 CIDR`;
    if (prefix < MIN_AWS_PREFIX || prefix > MAX_AWS_PREFIX) return `AWS VPC and subnet CIDRs must be between /16 and /28, got /${prefix}`;
    if (parseCidr(cidr).base !== ipv4ToInt(cidr.split("/")[0]!)) return `${cidr} has host bits set; did you mean ${cidrString(parseCidr(cidr))}?`;
    return null;
}

function checkPrivateIps(aws: AwsConfig, nodes: number): Problem[] {
    const subnet = clusterSubnetCidr(aws);
    if (aws.subnetCidr !== undefined && awsCidrProblem(aws.subnetCidr)) return []; // reported by checkCidrs
    if (aws.privateIps === undefined) {
        if (defaultAddresses(subnet, nodes) !== null) return [];
        return [{ path: awsPath("subnetCidr"), reason: `${subnet} has no room for ${nodes} fixed addresses from host offset ${CLOUDS.aws.firstHostOffset}` }];
    }
    const problems: Problem[] = [];
    if (aws.privateIps.length !== nodes) {
        problems.push({ path: awsPath("privateIps"), reason: `lists ${aws.privateIps.length} address(es) but the cluster has ${nodes} node(s): give one per rank, rank 0 first` });
    }
    const seen = new Set<string>();
    aws.privateIps.forEach((ip, i) => {
        const reason = privateIpProblem(ip, subnet, seen);
        if (reason) problems.push({ path: awsPath(`privateIps[${i}]`), reason });
        seen.add(ip);
    });
    return problems;
}

function privateIpProblem(ip: string, subnet: string, seen: Set<string>): string | null {
    if (!validIpv4(ip)) return `${ip} is not a valid IPv4 address (four octets, each 0-255)`;
    if (seen.has(ip)) return `${ip} is listed twice; every rank needs its own address`;
    if (!cidrContains(subnet, ip)) return `${ip} is outside the subnet ${subnet}`;
    const { base, size } = parseCidr(subnet);
    const offset = ipv4ToInt(ip) - base;
    if (offset < AWS_RESERVED_LOW || offset === size - 1) return `${ip} is one of the addresses AWS reserves in ${subnet} (the first four and the last)`;
    return null;
}

function checkAllowedCidrs(aws: AwsConfig): Problem[] {
    return allowListProblems(aws.allowedCidrs, aws.allowPublicCidr, awsPath);
}

function checkAvailabilityZone(aws: AwsConfig, region: string | null): Problem[] {
    const az = aws.availabilityZone;
    if (az === undefined) return [];
    // Zone names are the region plus a letter (us-east-2a); Local Zones carry a longer suffix.
    if (!/^[a-z]{2}(-[a-z]+)+-\d+[a-z](-[a-z0-9-]+)?$/.test(az)) {
        return [{ path: awsPath("availabilityZone"), reason: `"${az}" is not an availability zone name such as us-east-2a` }];
    }
    if (region && !az.startsWith(region)) {
        return [{ path: awsPath("availabilityZone"), reason: `${az} is not in the stack's region ${region} (aws:region)` }];
    }
    return [];
}

function checkRootVolume(aws: AwsConfig): Problem[] {
    const size = aws.rootVolumeGiB;
    if (size === undefined || size >= MIN_ROOT_VOLUME_GIB) return [];
    return [{ path: awsPath("rootVolumeGiB"), reason: `${size} GiB cannot hold the DLAMI root, the SGLang image and the compile caches; use at least ${MIN_ROOT_VOLUME_GIB}` }];
}

function checkWeightsBucket(aws: AwsConfig): Problem[] {
    const bucket = aws.weightsBucket;
    if (!bucket) return [];
    // `{ create: false }` turns the mirror off; an empty block says nothing.
    if (bucket.create === undefined && bucket.name === undefined) {
        return [{ path: awsPath("weightsBucket"), reason: "set create: true for a new mirror bucket, create: false for none, or name an existing bucket" }];
    }
    if (bucket.name !== undefined && !validBucketName(bucket.name)) {
        return [{ path: awsPath("weightsBucket.name"), reason: `"${bucket.name}" is not a valid S3 bucket name (3-63 characters: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)` }];
    }
    return [];
}

// S3 general purpose bucket naming rules (Amazon S3 User Guide, "Bucket naming rules").
function validBucketName(name: string): boolean {
    return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") && !validIpv4(name);
}

function checkTags(aws: AwsConfig): Problem[] {
    return Object.entries(aws.tags ?? {}).flatMap(([key, value]) => {
        const path = awsPath(`tags.${key}`);
        // The `aws:` tag prefix is reserved for AWS (EC2 UG, "Tag restrictions").
        if (key.toLowerCase().startsWith("aws:")) return [{ path, reason: `tag keys starting with "aws:" are reserved for AWS` }];
        // Tags are readable by anyone with ec2:DescribeTags and copied into billing reports.
        const secret = looksLikeSecret(value);
        if (secret) return [{ path, reason: `the value looks like ${secret}; tags are plain text any account reader sees, so keep credentials out of them (the Hugging Face token goes in deepseek-sglang:hfToken as a secret)` }];
        return [];
    });
}

// ---- address layout -------------------------------------------------------------------------

/** CIDR of the subnet the nodes live in: the user's, else the library default (CLOUDS.aws). */
export function clusterSubnetCidr(aws: AwsConfig): string {
    return aws.subnetCidr ?? CLOUDS.aws.defaultSubnetCidr!;
}

/**
 * Fixed private IP of every rank, rank 0 first: the user's privateIps, else consecutive hosts of the
 * subnet from CLOUDS.aws.firstHostOffset. Throws when the subnet is too small (checkAwsConfig reports it).
 */
export function awsNodeAddresses(cluster: ClusterConfig, nodes: number): string[] {
    const aws = cluster.aws ?? {};
    if (aws.privateIps) return [...aws.privateIps];
    const addresses = defaultAddresses(clusterSubnetCidr(aws), nodes);
    if (!addresses) throw new Error(`${awsPath("subnetCidr")}: ${clusterSubnetCidr(aws)} has no room for ${nodes} nodes`);
    return addresses;
}

function defaultAddresses(subnet: string, nodes: number): string[] | null {
    return hostAddresses(subnet, CLOUDS.aws.firstHostOffset, nodes);
}

/**
 * The small public subnet that holds the NAT gateway when the library builds the network: the last
 * /28 of the VPC, or the first one when the cluster subnet sits at the top. Null when neither is free.
 */
export function natSubnetCidr(vpcCidr: string, clusterSubnet: string): string | null {
    const vpc = parseCidr(vpcCidr);
    const size = 16;
    for (const base of [vpc.base + vpc.size - size, vpc.base]) {
        const candidate = cidrString({ base, prefix: 28 });
        if (!cidrsOverlap(candidate, clusterSubnet)) return candidate;
    }
    return null;
}
