// The cluster's networks: one private VPC for the nodes' first NIC (Private Google Access, Cloud NAT
// for egress, no external IPs), plus the fabric VPCs of the machine type: A3 Ultra's second gVNIC VPC
// and its RoCE VPC of 8 subnets, A3 Mega's 8 GPU NIC VPCs. Firewalls: everything among the
// cluster's own ranges, the API port only from the allow-list, SSH only through IAP.

import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/gcp/compute";
import { cidrString, parseCidr } from "../../plan/addresses";
import { GCP_FABRIC_RANGE, type GcpFabricNetworks, type GcpMachine } from "./machines";

/** Google's IAP TCP forwarding range: `gcloud compute ssh --tunnel-through-iap` arrives from it (IAP docs, "Using IAP for TCP forwarding"). */
export const IAP_TCP_RANGE = "35.235.240.0/20";
/** Network tag of every node; the firewall rules target it. */
export const nodeTag = (name: string): string => `${name}-node`;

/** One NIC slot of a node, in the order GCE attaches them (nic0 first). */
export interface NicSlot {
    network: pulumi.Output<string>;
    subnetwork: pulumi.Output<string>;
    nicType: "GVNIC" | "MRDMA";
}

export interface ClusterNetworks {
    /** The cluster subnet the rank addresses live in. */
    subnetwork: compute.Subnetwork;
    /** Every NIC of a node, nic0 (the rank address) first. */
    nics: NicSlot[];
    /** What a node needs before first boot: NAT for downloads, the firewall for its peers. */
    ready: pulumi.Resource[];
}

interface NetworkContext {
    name: string;
    parent: pulumi.Resource;
    project: string;
    region: string;
    zone: string;
    machine: GcpMachine;
    subnetCidr: string;
    apiPort: number;
    allowedCidrs: string[];
}

/** The /24s fabric VPCs are numbered from, in creation order: 172.16.0.0/24, 172.16.1.0/24, ... */
export function fabricSubnetCidrs(count: number): string[] {
    const base = parseCidr(GCP_FABRIC_RANGE).base;
    return Array.from({ length: count }, (_, i) => cidrString({ base: base + i * 256, prefix: 24 }));
}

export function clusterNetworks(ctx: NetworkContext): ClusterNetworks {
    const { name, parent, region } = ctx;
    const opts = { parent };
    const vpc = new compute.Network(`${name}-net`, {
        project: ctx.project, autoCreateSubnetworks: false, mtu: ctx.machine.mtu, routingMode: "REGIONAL",
        description: `DeepSeek SGLang cluster ${name}: nodes' primary NICs`,
    }, opts);
    // Private Google Access: the nodes reach Cloud Storage and Secret Manager without external IPs.
    const subnetwork = new compute.Subnetwork(`${name}-subnet`, {
        project: ctx.project, region, network: vpc.id, ipCidrRange: ctx.subnetCidr, privateIpGoogleAccess: true,
    }, opts);
    const router = new compute.Router(`${name}-router`, { project: ctx.project, region, network: vpc.id }, opts);
    // Hugging Face and the container registries are outside Google: egress through Cloud NAT.
    const nat = new compute.RouterNat(`${name}-nat`, {
        project: ctx.project, region, router: router.name, natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetworks: [{ name: subnetwork.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
    }, opts);

    const tag = nodeTag(name);
    const rules: pulumi.Resource[] = [
        internalRule(ctx, `${name}-internal`, vpc, [ctx.subnetCidr]),
        new compute.Firewall(`${name}-iap-ssh`, {
            project: ctx.project, network: vpc.id, direction: "INGRESS", sourceRanges: [IAP_TCP_RANGE], targetTags: [tag],
            allows: [{ protocol: "tcp", ports: ["22"] }], description: "SSH through IAP only (the nodes have no external IP)",
        }, opts),
    ];
    const apiCidrs = [...new Set(ctx.allowedCidrs)].filter((c) => c !== ctx.subnetCidr);
    if (apiCidrs.length > 0) {
        rules.push(new compute.Firewall(`${name}-api`, {
            project: ctx.project, network: vpc.id, direction: "INGRESS", sourceRanges: apiCidrs, targetTags: [tag],
            allows: [{ protocol: "tcp", ports: [String(ctx.apiPort)] }], description: "the SGLang API port from the allow-list",
        }, opts));
    }

    const nics: NicSlot[] = [{ network: vpc.id, subnetwork: subnetwork.id, nicType: "GVNIC" }];
    const cidrs = fabricSubnetCidrs(ctx.machine.fabric.reduce((n, f) => n + f.vpcs * f.subnets, 0));
    for (const fabric of ctx.machine.fabric) {
        for (let v = 0; v < fabric.vpcs; v++) {
            const vpcName = fabric.vpcs === 1 ? `${name}-${fabric.stem}` : `${name}-${fabric.stem}-${v}`;
            const own = cidrs.splice(0, fabric.subnets);
            const net = fabricNetwork(ctx, vpcName, fabric);
            own.forEach((cidr, s) => {
                const subnetName = fabric.subnets === 1 ? `${vpcName}-subnet` : `${vpcName}-subnet-${s}`;
                const sub = new compute.Subnetwork(subnetName, { project: ctx.project, region, network: net.id, ipCidrRange: cidr }, opts);
                nics.push({ network: net.id, subnetwork: sub.id, nicType: fabric.nicType });
            });
            rules.push(internalRule(ctx, `${vpcName}-internal`, net, own));
        }
    }
    return { subnetwork, nics, ready: [nat, ...rules] };
}

function fabricNetwork(ctx: NetworkContext, vpcName: string, fabric: GcpFabricNetworks): compute.Network {
    return new compute.Network(vpcName, {
        project: ctx.project, autoCreateSubnetworks: false, mtu: fabric.mtu, routingMode: "REGIONAL",
        // The RoCE VPC takes the zone's RDMA network profile, fixed at creation (cloud-facts §2.3 [S23][S27]).
        ...(fabric.roceProfile ? { networkProfile: `projects/${ctx.project}/global/networkProfiles/${ctx.zone}-vpc-roce` } : {}),
        description: `DeepSeek SGLang cluster ${ctx.name}: ${fabric.nicType} fabric`,
    }, { parent: ctx.parent });
}

/** All protocols among the cluster's own addresses on one VPC (NCCL, Gloo, SGLang dist-init, the beacon). */
function internalRule(ctx: NetworkContext, ruleName: string, net: compute.Network, ranges: string[]): compute.Firewall {
    return new compute.Firewall(ruleName, {
        project: ctx.project, network: net.id, direction: "INGRESS", sourceRanges: ranges, targetTags: [nodeTag(ctx.name)],
        allows: [{ protocol: "tcp" }, { protocol: "udp" }, { protocol: "icmp" }], description: "all traffic among cluster members",
    }, { parent: ctx.parent });
}
