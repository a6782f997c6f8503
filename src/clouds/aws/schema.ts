// The `aws:` block of the cluster config (deepseek-sglang:cluster.aws), checked strictly so a typo
// is an error that names the key.

import { z } from "zod";
import { cidr, clusterNetworkFields, positiveInt } from "../../intent/fields";

export const awsCapacitySchema = z.strictObject({
    type: z.enum(["on-demand", "spot", "reservation", "capacity-block"]).describe("`on-demand`, `spot`, `reservation` (an On-Demand Capacity Reservation) or `capacity-block` (a Capacity Block for ML)."),
    reservationId: z.string().regex(/^cr-[0-9a-f]+$/, "must be a capacity reservation id like cr-0123456789abcdef0").optional().describe("Capacity reservation id (`cr-...`) for `reservation` and `capacity-block`."),
});

export const awsSchema = z.strictObject({
    instanceType: z.string().optional().describe("EC2 type; default: the catalog's preferred type for the GPU."),
    availabilityZone: z.string().optional().describe("Zone of every node; default: the first zone of `aws:region` that offers the instance type."),
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, "must be a VPC id like vpc-0123abcd").optional().describe("Bring your own network: both vpcId and subnetId, plus the subnet's CIDR for fixed private IPs."),
    subnetId: z.string().regex(/^subnet-[0-9a-f]+$/, "must be a subnet id like subnet-0123abcd").optional().describe("Your subnet for the nodes (with `vpcId` and `subnetCidr`)."),
    vpcCidr: cidr.optional().describe("CIDR of the new VPC, or of your `vpcId`; default 10.42.0.0/16."),
    ...clusterNetworkFields,
    capacity: awsCapacitySchema.optional().describe("How the nodes are bought. Default: on-demand."),
    amiId: z.string().regex(/^ami-[0-9a-f]+$/, "must be an AMI id like ami-0123abcd").optional().describe("Boot image; default: the current Deep Learning Base AMI from its public SSM parameter."),
    rootVolumeGiB: positiveInt.optional().describe("Size of the encrypted gp3 root volume. Default 300."),
    weightsBucket: z.strictObject({ create: z.boolean().optional().describe("Create a mirror bucket the stack owns (kept on destroy); `false` with no `name`: no mirror and no staging host, every node downloads from Hugging Face."), name: z.string().optional().describe("An existing bucket to mirror the weights in.") }).optional().describe("S3 mirror of the weights, filled by a staging host before any GPU instance exists. Default: a bucket the stack creates."),
    loadBalancer: z.boolean().optional().describe("Put an internal NLB in front of rank 0."),
    placementGroup: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, "must be a placement group name").optional().describe("An existing cluster placement group to launch into, e.g. the one a capacity reservation was created in (with `capacity.type: reservation`; on-demand and spot stacks create their own)."),
    accessLogBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").optional().describe("A bucket you own for S3 server access logs of the stack's buckets (and the NLB's access logs). Unset: no access logging, the one AWSGuard rule these stacks do not meet by default."),
    tags: z.record(z.string(), z.string()).optional().describe("Tags on every taggable resource; values that look like tokens are refused."),
});

export type AwsConfig = z.infer<typeof awsSchema>;
