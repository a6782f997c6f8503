// The cluster's network: a new single-AZ VPC (private cluster subnet, NAT for egress, S3 gateway
// endpoint), or the user's VPC and subnet, checked with invokes. Either way one subnet holds every node.

import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import type { Placement, Problem } from "../../plan/types";
import { awsPath, natSubnetCidr } from "./checks";
import type { AwsConfig } from "./schema";
import { AwsConfigError } from "./validate";

export interface ClusterNetwork {
    vpcId: pulumi.Output<string>;
    subnetId: pulumi.Output<string>;
    /** CIDR of the whole VPC: NLB health checks and in-VPC clients reach the API port from it. */
    vpcCidr: pulumi.Input<string>;
    availabilityZone: pulumi.Output<string>;
    /** Routes a node needs at first boot (NAT, S3 endpoint); empty for the user's own network. */
    egress: pulumi.Resource[];
}

interface NetworkContext {
    name: string;
    parent: pulumi.Resource;
    /** The planner's placement: instance type, zone, VPC and subnet. */
    placement: Placement;
    region: string;
    tags: Record<string, string>;
}

export function clusterNetwork(ctx: NetworkContext): ClusterNetwork {
    return ctx.placement.network.subnetId ? existingNetwork(ctx) : newNetwork(ctx);
}

/** Zones of the region that offer the type (DescribeInstanceTypeOfferings, cloud-facts §1.2: query it at deploy time). */
function offeredZones(ctx: NetworkContext): pulumi.Output<string[]> {
    return ec2
        .getInstanceTypeOfferingsOutput(
            { locationType: "availability-zone", filters: [{ name: "instance-type", values: [ctx.placement.instanceType!] }], region: ctx.region },
            { parent: ctx.parent },
        )
        .apply((r) => [...r.locations].sort());
}

/** The user's zone if it offers the type, else the first zone that does; refuses with the config path. */
export function chooseZone(offered: string[], named: string | undefined, instanceType: string, region: string): string {
    if (named !== undefined) {
        if (offered.includes(named)) return named;
        throw new AwsConfigError([{ path: awsPath("availabilityZone"), reason: `${named} does not offer ${instanceType} (zones that do: ${offered.join(", ") || "none"})` }]);
    }
    if (offered.length > 0) return offered[0]!;
    throw new AwsConfigError([{ path: awsPath("instanceType"), reason: `no availability zone of ${region} offers ${instanceType}` }]);
}

function newNetwork(ctx: NetworkContext): ClusterNetwork {
    const { name, parent, placement, tags } = ctx;
    const opts = { parent };
    const vpcCidr = placement.network.cidr!;
    const subnetCidr = placement.network.subnetCidr!;
    const instanceType = placement.instanceType!;
    const availabilityZone = offeredZones(ctx).apply((zones) => chooseZone(zones, placement.zone ?? undefined, instanceType, ctx.region));
    const named = (suffix: string) => ({ ...tags, Name: `${name}-${suffix}` });

    const vpc = new ec2.Vpc(`${name}-vpc`, { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: named("vpc") }, opts);
    const subnet = new ec2.Subnet(`${name}-subnet`, {
        vpcId: vpc.id, cidrBlock: subnetCidr, availabilityZone, mapPublicIpOnLaunch: false, tags: named("subnet"),
    }, opts);

    // Nodes have several network cards, so AWS gives them no public IP (cloud-facts §1.3); they reach
    // Hugging Face, the image registry and SSM through a NAT gateway in a small public subnet.
    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: named("igw") }, opts);
    const natSubnet = new ec2.Subnet(`${name}-nat-subnet`, {
        vpcId: vpc.id, cidrBlock: natSubnetCidr(vpcCidr, subnetCidr)!, availabilityZone, mapPublicIpOnLaunch: false, tags: named("nat-subnet"),
    }, opts);
    const eip = new ec2.Eip(`${name}-nat-eip`, { domain: "vpc", tags: named("nat-eip") }, opts);
    const nat = new ec2.NatGateway(`${name}-nat`, { allocationId: eip.id, subnetId: natSubnet.id, tags: named("nat") }, pulumi.mergeOptions(opts, { dependsOn: [igw] }));

    const publicRoutes = new ec2.RouteTable(`${name}-public-rt`, {
        vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: named("public-rt"),
    }, opts);
    new ec2.RouteTableAssociation(`${name}-public-rta`, { subnetId: natSubnet.id, routeTableId: publicRoutes.id }, opts);
    const privateRoutes = new ec2.RouteTable(`${name}-private-rt`, {
        vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: named("private-rt"),
    }, opts);
    const privateAssociation = new ec2.RouteTableAssociation(`${name}-private-rta`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, opts);

    // Weights (~700 GB per node) and caches move through S3: a gateway endpoint keeps that traffic off
    // the NAT gateway, which bills per GB processed, at no charge of its own.
    const s3Endpoint = new ec2.VpcEndpoint(`${name}-s3`, {
        vpcId: vpc.id, serviceName: `com.amazonaws.${ctx.region}.s3`, vpcEndpointType: "Gateway",
        routeTableIds: [privateRoutes.id], tags: named("s3"),
    }, opts);

    // The checked zone itself, so a refusal rejects this output with its AwsConfigError.
    return { vpcId: vpc.id, subnetId: subnet.id, vpcCidr, availabilityZone, egress: [privateAssociation, s3Endpoint] };
}

function existingNetwork(ctx: NetworkContext): ClusterNetwork {
    const { placement, parent } = ctx;
    const { network } = placement;
    const subnet = ec2.getSubnetOutput({ id: network.subnetId!, region: ctx.region }, { parent });
    const checked = pulumi.all([subnet, offeredZones(ctx)]).apply(([s, zones]) => {
        const problems = existingSubnetProblems(placement.settings as AwsConfig, s);
        if (problems.length > 0) throw new AwsConfigError(problems);
        chooseZone(zones, s.availabilityZone, placement.instanceType!, ctx.region);
        return s;
    });
    const vpcCidr = network.cidr !== null ? network.cidr : ec2.getVpcOutput({ id: network.id!, region: ctx.region }, { parent }).cidrBlock;
    return {
        vpcId: checked.vpcId,
        subnetId: checked.id,
        vpcCidr,
        availabilityZone: checked.availabilityZone,
        egress: [],
    };
}

/** What the user said about their subnet against what AWS says about it. */
export function existingSubnetProblems(aws: AwsConfig, subnet: { vpcId: string; cidrBlock: string; availabilityZone: string }): Problem[] {
    const problems: Problem[] = [];
    if (subnet.vpcId !== aws.vpcId) problems.push({ path: awsPath("subnetId"), reason: `${aws.subnetId} belongs to ${subnet.vpcId}, not to vpcId ${aws.vpcId}` });
    if (aws.subnetCidr !== undefined && subnet.cidrBlock !== aws.subnetCidr) {
        problems.push({ path: awsPath("subnetCidr"), reason: `${aws.subnetId} is ${subnet.cidrBlock}, not ${aws.subnetCidr}` });
    }
    if (aws.availabilityZone !== undefined && subnet.availabilityZone !== aws.availabilityZone) {
        problems.push({ path: awsPath("availabilityZone"), reason: `${aws.subnetId} is in ${subnet.availabilityZone}, not ${aws.availabilityZone}` });
    }
    return problems;
}
