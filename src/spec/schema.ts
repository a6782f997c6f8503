// The user's intent: the `deepseek-sglang:cluster` stack config key, checked strictly with zod so a typo
// is an error that names the key instead of a silent default.

import { z } from "zod";
import { CLOUD_IDS, GPU_IDS, WEIGHTS_IDS } from "../catalog/index";

export const CONFIG_NAMESPACE = "deepseek-sglang";
export const CLUSTER_KEY = `${CONFIG_NAMESPACE}:cluster`;
export const HF_TOKEN_KEY = `${CONFIG_NAMESPACE}:hfToken`;

const positiveInt = z.number().int().positive();
const cidr = z
    .string()
    .regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, "must be an IPv4 CIDR such as 10.42.0.0/24");
const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "must be an IPv4 address (SGLang's dist-init does not connect over IPv6, issue #7478)");

export const mtpSchema = z.strictObject({
    steps: positiveInt,
    topk: positiveInt,
    draftTokens: positiveInt,
});

export const sglangSchema = z.strictObject({
    /** A release the library knows (catalog/releases.ts). Default: the current one. */
    version: z.string().optional(),
    attentionBackend: z.string().optional(),
    /** DP size for `--enable-dp-attention`. */
    dpAttention: z.number().int().optional(),
    mtp: mtpSchema.optional(),
    toolCalling: z.boolean().optional(),
    reasoningParser: z.string().optional(),
    customLogitProcessor: z.boolean().optional(),
    /** `false` turns off the torch.compile a row's recipe turns on. */
    torchCompile: z.union([z.strictObject({ maxBs: positiveInt }), z.literal(false)]).optional(),
    memFractionStatic: z.number().gt(0).lt(1).optional(),
    /** Force DeepGEMM on (`true`) or off (`false`); default: on for FP8 on Hopper. */
    deepGemm: z.boolean().optional(),
    /** Require the chunked prefix cache; refused where the attention backend lacks it. */
    chunkedPrefixCache: z.boolean().optional(),
    extraArgs: z.array(z.string()).optional(),
});

export const capacitySchema = z.strictObject({
    type: z.enum(["on-demand", "spot", "reservation", "capacity-block"]),
    /** Capacity reservation id (`cr-...`) for `reservation` and `capacity-block`. */
    reservationId: z.string().regex(/^cr-[0-9a-f]+$/, "must be a capacity reservation id like cr-0123456789abcdef0").optional(),
});

export const awsSchema = z.strictObject({
    /** EC2 type; default: the catalog's preferred type for the GPU. */
    instanceType: z.string().optional(),
    availabilityZone: z.string().optional(),
    /** Bring your own network: both vpcId and subnetId, plus the subnet's CIDR for fixed private IPs. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "must be a VPC id like vpc-0123abcd").optional(),
    subnetId: z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id like subnet-0123abcd").optional(),
    subnetCidr: cidr.optional(),
    vpcCidr: cidr.optional(),
    /** Fixed private IPs, one per rank; default: derived from the subnet CIDR. */
    privateIps: z.array(ipv4).optional(),
    /** CIDRs allowed to reach the API port; the cluster's own VPC is always allowed. */
    allowedCidrs: z.array(cidr).optional(),
    /** Explicit opt-in to allow 0.0.0.0/0 in allowedCidrs. */
    allowPublicCidr: z.boolean().optional(),
    capacity: capacitySchema.optional(),
    amiId: z.string().regex(/^ami-[0-9a-f]+$/, "must be an AMI id like ami-0123abcd").optional(),
    rootVolumeGiB: positiveInt.optional(),
    /** S3 mirror of the weights: create one, or name an existing bucket. */
    weightsBucket: z.strictObject({ create: z.boolean().optional(), name: z.string().optional() }).optional(),
    /** Put an internal NLB in front of rank 0. */
    loadBalancer: z.boolean().optional(),
    tags: z.record(z.string(), z.string()).optional(),
});

/** The cluster network every cloud lays out the same way: a subnet, fixed node IPs, the API allow-list. */
const clusterNetworkFields = {
    subnetCidr: cidr.optional(),
    privateIps: z.array(ipv4).optional(),
    allowedCidrs: z.array(cidr).optional(),
};

export const gcpSchema = z.strictObject({
    zone: z.string().optional(),
    machineType: z.string().optional(),
    ...clusterNetworkFields,
});

export const azureSchema = z.strictObject({
    location: z.string().optional(),
    vmSize: z.string().optional(),
    ...clusterNetworkFields,
});

export const hostsSchema = z.strictObject({
    /** Private IPv4 address of each machine, rank 0 first. */
    addresses: z.array(ipv4).min(1),
    /** Network interface NCCL and Gloo use; default: the one that carries the address. */
    interface: z.string().optional(),
    /** RoCE/InfiniBand GID index (SGLang README: NCCL_IB_GID_INDEX=3 on RoCE). */
    ibGidIndex: z.number().int().min(0).optional(),
});

export const clusterSchema = z.strictObject({
    cloud: z.enum(CLOUD_IDS as [string, ...string[]]),
    gpu: z.enum(GPU_IDS as [string, ...string[]]),
    weights: z.enum(WEIGHTS_IDS as [string, ...string[]]),
    /** Default: the row's node count. */
    nodes: positiveInt.optional(),
    /** Hugging Face repo id; default: the row's recipe checkpoint. */
    model: z.string().optional(),
    /** Git revision of the model repo; pins the weights and keys the DeepGEMM cache. Default `main`. */
    revision: z.string().regex(/^[A-Za-z0-9._/-]+$/, "must be a branch, tag or commit").optional(),
    sglang: sglangSchema.optional(),
    aws: awsSchema.optional(),
    gcp: gcpSchema.optional(),
    azure: azureSchema.optional(),
    hosts: hostsSchema.optional(),
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type MtpConfig = z.infer<typeof mtpSchema>;
export type SglangConfig = z.infer<typeof sglangSchema>;
export type AwsConfig = z.infer<typeof awsSchema>;
export type HostsConfig = z.infer<typeof hostsSchema>;
