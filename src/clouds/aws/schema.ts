// The `aws:` block of the cluster config (deepseek-sglang:cluster.aws), checked strictly so a typo
// is an error that names the key.

import { z } from "zod";
import { cidr, clusterNetworkFields, positiveInt } from "../../spec/fields";

export const awsCapacitySchema = z.strictObject({
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
    vpcCidr: cidr.optional(),
    ...clusterNetworkFields,
    capacity: awsCapacitySchema.optional(),
    amiId: z.string().regex(/^ami-[0-9a-f]+$/, "must be an AMI id like ami-0123abcd").optional(),
    rootVolumeGiB: positiveInt.optional(),
    /** S3 mirror of the weights: create one, or name an existing bucket. */
    weightsBucket: z.strictObject({ create: z.boolean().optional(), name: z.string().optional() }).optional(),
    /** Put an internal NLB in front of rank 0. */
    loadBalancer: z.boolean().optional(),
    /**
     * An existing cluster placement group to launch into, e.g. the one a capacity reservation was
     * created in (with `capacity.type: reservation`; on-demand and spot stacks create their own).
     */
    placementGroup: z.string().regex(/^[A-Za-z0-9._-]{1,255}$/, "must be a placement group name").optional(),
    /**
     * A bucket you own for S3 server access logs of the stack's buckets (and the NLB's access logs).
     * Unset: no access logging, the one AWSGuard rule these stacks do not meet by default.
     */
    accessLogBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").optional(),
    tags: z.record(z.string(), z.string()).optional(),
});

export type AwsConfig = z.infer<typeof awsSchema>;
