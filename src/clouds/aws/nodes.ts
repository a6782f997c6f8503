// One launch template + one instance per rank: fixed private IP on the primary ENA interface, EFA
// interfaces laid out per instance type, IMDSv2, encrypted gp3 root, the boot pipeline's user data.

import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import type * as iam from "@pulumi/aws/iam";
import type { InstanceType } from "../../catalog/index";
import type { BootHooks } from "../../boot/hooks";
import { encodeUserData, renderUserData } from "../../boot/index";
import type { Placement, ServingPlan } from "../../plan/types";

/** One network interface slot: card and device index, and whether it is the ENA primary or EFA-only. */
export interface InterfaceSlot {
    networkCardIndex: number;
    deviceIndex: number;
    kind: "ena" | "efa-only";
}

/**
 * AWS's layout for multi-card EFA types (EC2 UG "Maximize network bandwidth ... multiple network
 * cards", cloud-facts §1.3 [S5]): ENA primary at card 0 device 0, EFA-only at card 0 device 1, and
 * EFA-only at device 0 of every other card. `efaInterfaces` = network cards, from the catalog.
 */
export function efaInterfaceLayout(efaInterfaces: number): InterfaceSlot[] {
    const slots: InterfaceSlot[] = [{ networkCardIndex: 0, deviceIndex: 0, kind: "ena" }];
    if (efaInterfaces > 0) slots.push({ networkCardIndex: 0, deviceIndex: 1, kind: "efa-only" });
    for (let card = 1; card < efaInterfaces; card++) slots.push({ networkCardIndex: card, deviceIndex: 0, kind: "efa-only" });
    return slots;
}

// Ubuntu DLAMIs boot from /dev/sda1; naming it resizes the image's own root volume.
const ROOT_DEVICE = "/dev/sda1";
// gp3 baseline is 3,000 IOPS / 125 MiB/s; image pulls and cache restores want more. 16,000 / 1,000
// is inside the limits everywhere (cloud-facts §1.6: up to 80,000 / 2,000 in current regions).
const ROOT_IOPS = 16_000;
const ROOT_THROUGHPUT_MIBPS = 1_000;

export interface NodeContext {
    name: string;
    parent: pulumi.Resource;
    plan: ServingPlan;
    type: InstanceType;
    imageId: pulumi.Input<string>;
    /** Keep the launch templates on the AMI they were created with when it comes from SSM. */
    pinImage: boolean;
    subnetId: pulumi.Input<string>;
    availabilityZone: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    placementGroupName: pulumi.Input<string> | null;
    /** Rank 0's instance profile, and the workers' (null on a single node). */
    profiles: { leader: iam.InstanceProfile; worker: iam.InstanceProfile | null };
    /** What must exist before a node boots: its grants, the secret values, the egress routes. */
    bootDependencies: pulumi.Resource[];
    hooks: pulumi.Output<BootHooks>;
    rootVolumeGiB: number;
    tags: Record<string, string>;
}

export interface ClusterNode {
    rank: number;
    address: string;
    launchTemplate: ec2.LaunchTemplate;
    instance: ec2.Instance;
    /** The cloud-init text before encoding (what `plan --json` shows). */
    userData: pulumi.Output<string>;
}

export function clusterNodes(ctx: NodeContext): ClusterNode[] {
    return [...ctx.plan.nodes].sort((a, b) => a.rank - b.rank).map((node) => clusterNode(ctx, node.rank, node.address));
}

function clusterNode(ctx: NodeContext, rank: number, address: string): ClusterNode {
    const { name, parent, plan } = ctx;
    const nodeName = `${name}-node-${rank}`;
    const tags = { ...ctx.tags, Name: nodeName, "deepseek-sglang:rank": String(rank) };
    const userData = ctx.hooks.apply((hooks) => renderUserData(plan, rank, hooks));
    const launchTemplate = new ec2.LaunchTemplate(nodeName, {
        description: `rank ${rank} of ${plan.row.id} on ${ctx.type.name}`,
        imageId: ctx.imageId,
        instanceType: ctx.type.name,
        iamInstanceProfile: { arn: (rank === 0 ? ctx.profiles.leader : ctx.profiles.worker!).arn },
        // The boot pipeline gzips documents over EC2's 16 KB cap; cloud-init sniffs the gzip magic.
        userData: userData.apply((text) => encodeUserData(text).base64),
        // IMDSv2 only (session tokens); hop limit 2 so a container on a bridge network can still reach it.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [{
            deviceName: ROOT_DEVICE,
            ebs: {
                volumeSize: ctx.rootVolumeGiB, volumeType: "gp3", iops: ROOT_IOPS, throughput: ROOT_THROUGHPUT_MIBPS,
                encrypted: "true", deleteOnTermination: "true",
            },
        }],
        networkInterfaces: networkInterfaces(ctx, address),
        // Detailed (1-minute) CloudWatch monitoring: AWSGuard ec2-instance-detailed-monitoring-enabled.
        monitoring: { enabled: true },
        placement: {
            availabilityZone: ctx.availabilityZone,
            ...(ctx.placementGroupName ? { groupName: ctx.placementGroupName } : {}),
        },
        ...capacityOptions(ctx.plan.placement.capacity),
        tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags })),
        updateDefaultVersion: true,
        tags,
    }, { parent, ignoreChanges: ctx.pinImage ? ["imageId"] : [] });
    // A new template version (new plan, new user data) replaces the node: cloud-init runs only at first boot.
    // Delete first: the old instance holds the rank's fixed address, so a create-first replacement
    // could never get it. The instance restates monitoring and its encrypted root volume so policy
    // packs that read the instance (AWSGuard) see what the template sets.
    const instance = new ec2.Instance(nodeName, {
        launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply((v) => String(v)) },
        monitoring: true,
        rootBlockDevice: {
            volumeSize: ctx.rootVolumeGiB, volumeType: "gp3", iops: ROOT_IOPS, throughput: ROOT_THROUGHPUT_MIBPS,
            encrypted: true, deleteOnTermination: true,
        },
        tags,
    }, { parent, dependsOn: ctx.bootDependencies, deleteBeforeReplace: true });
    return { rank, address, launchTemplate, instance, userData };
}

function networkInterfaces(ctx: NodeContext, address: string): ec2.LaunchTemplateArgs["networkInterfaces"] {
    // Every interface names the subnet and group: RunInstances rejects an EFA-only one without them.
    return efaInterfaceLayout(ctx.type.efaInterfaces).map((slot) => ({
        networkCardIndex: slot.networkCardIndex,
        deviceIndex: slot.deviceIndex,
        subnetId: ctx.subnetId,
        securityGroups: [ctx.securityGroupId],
        deleteOnTermination: "true",
        ...(slot.kind === "ena"
            // interfaceType left out for ENA, the API's default; only the primary carries the rank's IP.
            ? { privateIpAddress: address, associatePublicIpAddress: "false", description: `rank address ${address}` }
            : { interfaceType: "efa-only", description: `EFA card ${slot.networkCardIndex}` }),
    }));
}

/** Market and reservation settings per capacity type (cloud-facts §1.5 [S9][S10]). */
export function capacityOptions(capacity: Placement["capacity"]): Pick<ec2.LaunchTemplateArgs, "instanceMarketOptions" | "capacityReservationSpecification"> {
    const target = { capacityReservationSpecification: { capacityReservationTarget: { capacityReservationId: capacity.reservation ?? undefined } } };
    switch (capacity.type) {
        case "on-demand":
            return {};
        case "spot":
            // One-time and terminate: a cluster placement group refuses spot that stops or hibernates.
            return { instanceMarketOptions: { marketType: "spot", spotOptions: { spotInstanceType: "one-time", instanceInterruptionBehavior: "terminate" } } };
        case "reservation":
            return target;
        case "capacity-block":
            return { instanceMarketOptions: { marketType: "capacity-block" }, ...target };
        default:
            throw new Error(`aws: capacity type "${capacity.type}" is not one the AWS adapter places`);
    }
}
