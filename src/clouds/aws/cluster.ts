// AwsServingCluster: a ServingPlan on EC2. N GPU nodes with the plan's fixed addresses in one subnet
// and placement group, EFA wired per type, secrets and S3 locations for the boot pipeline, and an
// endpoint. Follows the pulumi-eks/awsx component conventions (pulumi-style.md).

import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as ssm from "@pulumi/aws/ssm";
import { unitsFor } from "../../boot/render";
import type { BootHooks } from "../../boot/hooks";
import type { Placement } from "../../plan/types";
import type { ServingClusterArgs, ServingClusterOutputs } from "../adapter";
import type { AwsServingClusterArgs } from "./args";
import { DEFAULT_ROOT_VOLUME_GIB } from "./checks";
import { internalLoadBalancer } from "./endpoint";
import { nodeInstanceProfile } from "./iam";
import { clusterNetwork } from "./network";
import { clusterNodes } from "./nodes";
import { awsPartition } from "./partition";
import { clusterSecrets, type ClusterSecrets } from "./secrets";
import { clusterSecurityGroup } from "./security";
import { stagingHost } from "./staging";
import { logCommands } from "./ssm";
import { checkVcpuQuota } from "./quota";
import { CACHE_PREFIX, STATUS_PREFIX, TOOLS_PREFIX, clusterStorage, type ClusterStorage } from "./storage";
import { awsSettings, validateAwsCluster } from "./validate";

export const AWS_SERVING_CLUSTER_TYPE = "deepseek-sglang:index:AwsServingCluster";

/**
 * Public SSM parameters of the Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04), tried in
 * order: the name derived from the AMI's name, then the spelling of AWS's own example (cloud-facts §1.4 [S11]).
 */
export const DLAMI_SSM_PARAMETERS = [
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id",
    "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-ubuntu-22.04/latest/ami-id",
] as const;

/**
 * Serves a ServingPlan on EC2: one GPU instance per rank at the plan's fixed private address, in one
 * subnet and cluster placement group, with EFA on every network card, an S3 status/cache location,
 * secrets in Secrets Manager and an authenticated endpoint on rank 0.
 */
export class AwsServingCluster extends pulumi.ComponentResource implements ServingClusterOutputs {
    /** `http://<rank 0 or NLB>:<port>`; SGLang's OpenAI-compatible API, behind the API key. */
    public readonly endpoint: pulumi.Output<string>;
    /** The generated API key (a secret): send it as `Authorization: Bearer <key>`. */
    public readonly apiKey: pulumi.Output<string>;
    /** EC2 instance ids, rank 0 first. */
    public readonly nodeIds: pulumi.Output<string[]>;
    /** Fixed private addresses, rank 0 first (the plan's). */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /**
     * Zone the subnet and nodes live in. Checks that need AWS (the zone offers the type; an existing
     * subnet is in the named VPC, CIDR and zone) reject this output with an AwsConfigError.
     */
    public readonly availabilityZone: pulumi.Output<string>;
    /** `s3://<bucket>/status`: each node writes `rank-N.json` there as it moves through its stages. */
    public readonly statusLocation: pulumi.Output<string>;
    /** `s3://<bucket>/<prefix>` of the weights mirror, or null when the nodes download from Hugging Face. */
    public readonly weightsMirror: pulumi.Output<string | null>;
    /** On-demand list price of the cluster in USD per hour (spot and reservations bill differently). */
    public readonly costPerHour: pulumi.Output<number | null>;
    /** Per rank and boot stage: the `aws ssm start-session` command that tails that stage's journal. */
    public readonly logCommands: pulumi.Output<Record<string, Record<string, string>>>;
    /** Each rank's cloud-init document before encoding, rank 0 first. Holds ARNs, never secret values. */
    public readonly userData: pulumi.Output<string>[];

    /**
     * @param name The _unique_ name of this component; it prefixes every child (lowercase, ≤31 chars).
     * @param args The plan (with its AWS placement), the Hugging Face token and extra tags.
     * @param opts A bag of options that control this component's behavior.
     */
    constructor(name: string, args: AwsServingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(AWS_SERVING_CLUSTER_TYPE, name, {}, opts);
        const plan = args.plan;
        const type = validateAwsCluster(name, plan);
        const placement = plan.placement;
        const aws = awsSettings(plan);
        const region = plan.region!;
        const partition = awsPartition(region);
        const tags = { "deepseek-sglang:cluster": name, "deepseek-sglang:row": plan.row.id, ...aws.tags, ...args.tags };
        const parent = this;

        const network = clusterNetwork({ name, parent, placement, region, tags });
        const securityGroup = clusterSecurityGroup({
            name, parent, vpcId: network.vpcId, vpcCidr: network.vpcCidr, apiPort: plan.ports.http, allowedCidrs: placement.allowedCidrs, tags,
        });
        const storage = clusterStorage({ name, parent, aws, plan, partition, tags });
        const secrets = clusterSecrets({ name, parent, hfToken: args.hfToken, tags });
        const identity = { name, parent, partition, storage, secrets, tags };
        const leader = nodeInstanceProfile(identity, "leader");
        const worker = plan.nodes.length > 1 ? nodeInstanceProfile(identity, "worker") : null;
        const placementGroup = usesOwnPlacementGroup(placement)
            ? new ec2.PlacementGroup(`${name}-nodes`, { strategy: "cluster", tags }, { parent })
            : null;
        // Keep AWS from handing a rank's fixed address to anything else in the subnet (the internal
        // NLB's ENIs, another instance): an explicit CIDR reservation is assigned only on request.
        const reservations = plan.nodes.map((n) => new ec2.SubnetCidrReservation(`${name}-rank-${n.rank}-address`, {
            subnetId: network.subnetId, cidrBlock: `${n.address}/32`, reservationType: "explicit",
            description: `rank ${n.rank} of ${name}`,
        }, { parent }));
        // The account's vCPU quota for the family, asked before any launch template exists.
        const quota = checkVcpuQuota(parent, type, plan.nodes.length, placement.capacity.type, region);

        const hooks = bootHooks(region, storage, secrets);
        // Weights staged before any GPU exists: the GPU nodes wait on the mirror's completion record.
        const staging = storage.weights
            ? stagingHost({
                name, parent, plan, region, storage, weights: storage.weights, hfTokenArn: secrets.hfTokenArn, hooks,
                vpcId: network.vpcId, subnetId: network.subnetId,
                bootDependencies: [...secrets.versions, ...network.egress, ...storage.tools], tags,
            })
            : null;

        const nodes = clusterNodes({
            name, parent, plan, type,
            imageId: aws.amiId ?? this.dlamiImageId(region),
            pinImage: aws.amiId === undefined,
            subnetId: network.subnetId,
            availabilityZone: network.availabilityZone,
            securityGroupId: securityGroup.id,
            placementGroupName: placementGroup?.name ?? aws.placementGroup ?? null,
            profiles: { leader: leader.profile, worker: worker?.profile ?? null },
            bootDependencies: [...leader.grants, ...(worker?.grants ?? []), ...secrets.versions, ...network.egress, ...storage.tools, ...reservations, ...(staging ? [staging.mirrorComplete] : [])],
            hooks: pulumi.all([hooks, quota]).apply(([h]) => h),
            rootVolumeGiB: aws.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB,
            tags,
        });
        const rank0 = nodes[0]!;

        this.endpoint = aws.loadBalancer
            ? internalLoadBalancer({ name, parent, vpcId: network.vpcId, subnetId: network.subnetId, rank0Address: rank0.address, port: plan.ports.http, accessLogBucket: aws.accessLogBucket, tags })
            : pulumi.output(`http://${rank0.address}:${plan.ports.http}`);
        this.apiKey = secrets.apiKey;
        this.nodeIds = pulumi.all(nodes.map((n) => n.instance.id));
        this.nodeAddresses = pulumi.output(nodes.map((n) => n.address));
        this.availabilityZone = network.availabilityZone;
        this.statusLocation = pulumi.interpolate`s3://${storage.stateBucketName}/${STATUS_PREFIX}`;
        this.weightsMirror = storage.weights ? pulumi.interpolate`s3://${storage.weights.bucketName}/${storage.weights.prefix}` : pulumi.output(null);
        this.costPerHour = pulumi.output(plan.costPerHour);
        this.logCommands = this.nodeIds.apply((ids) => logCommands(region, ids, (rank) => unitsFor(plan, rank)));
        this.userData = nodes.map((n) => n.userData);

        this.registerOutputs({
            endpoint: this.endpoint,
            apiKey: this.apiKey,
            nodeIds: this.nodeIds,
            nodeAddresses: this.nodeAddresses,
            availabilityZone: this.availabilityZone,
            statusLocation: this.statusLocation,
            weightsMirror: this.weightsMirror,
            costPerHour: this.costPerHour,
            logCommands: this.logCommands,
        });
    }

    /** The current DLAMI id from its public SSM parameter, trying each known spelling. */
    private dlamiImageId(region: string): pulumi.Output<string> {
        const [primary, fallback] = DLAMI_SSM_PARAMETERS;
        const lookup = (name: string) => ssm.getParameter({ name, region }, { parent: this });
        const found = lookup(primary).catch(() => lookup(fallback)).catch((err: unknown) => {
            throw new Error(`cannot resolve the Deep Learning Base OSS Nvidia Driver GPU AMI in ${region} from ${DLAMI_SSM_PARAMETERS.join(" or ")}; set deepseek-sglang:cluster.aws.amiId (${String(err)})`);
        });
        return pulumi.output(found).apply((p) => p.value);
    }
}

/**
 * A cluster placement group packs the nodes for EFA (cloud-facts §1.3). Reserved capacity already
 * fixes where the nodes land: Capacity Blocks are co-located in UltraClusters (§1.5 [S8]), and a
 * targeted reservation may not sit in a group we create; name the reservation's own group with
 * `aws.placementGroup` instead.
 */
export function usesOwnPlacementGroup(placement: Placement): boolean {
    const type = placement.capacity.type;
    return type === "on-demand" || type === "spot";
}

/** The registry's factory (src/clouds/registry.ts): the cluster as the common outputs. */
export function awsServingCluster(name: string, args: ServingClusterArgs, opts?: pulumi.ComponentResourceOptions): ServingClusterOutputs {
    return new AwsServingCluster(name, args, opts);
}

/** What the boot pipeline needs from this stack: secret ARNs and S3 locations (no secret values). */
function bootHooks(region: string, storage: ClusterStorage, secrets: ClusterSecrets): pulumi.Output<BootHooks> {
    return pulumi
        .all([storage.stateBucketName, secrets.apiKeyArn, secrets.hfTokenArn ?? pulumi.output(null), storage.weights?.bucketName ?? pulumi.output(null)])
        .apply(([stateBucket, apiKeyArn, hfTokenArn, weightsBucket]): BootHooks => ({
            cloud: "aws",
            region,
            secrets: { hfToken: hfTokenArn, apiKey: apiKeyArn },
            weightsMirror: storage.weights && weightsBucket ? `s3://${weightsBucket}/${storage.weights.prefix}` : null,
            weightsMirrorWritable: storage.weights?.writable ?? false,
            // The staging host fills every mirror the stack uses before the GPU nodes exist.
            weightsStaged: storage.weights !== null,
            statusPrefix: `s3://${stateBucket}/${STATUS_PREFIX}`,
            cachePrefix: `s3://${stateBucket}/${CACHE_PREFIX}`,
            toolsPrefix: `s3://${stateBucket}/${TOOLS_PREFIX}`,
        }));
}
