// Fixed private addresses per rank, known before any node exists, so every node's
// --dist-init-addr is in its user data and all nodes are created in parallel. Cloud-neutral: each
// cloud's adapter passes its own subnet rules.

import type { Problem } from "./types";

export function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function parseCidr(cidr: string): { base: number; size: number; prefix: number } {
    const [ip, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    const size = 2 ** (32 - prefix);
    return { base: Math.floor(ipv4ToInt(ip!) / size) * size, size, prefix };
}

export function cidrContains(cidr: string, ip: string): boolean {
    const { base, size } = parseCidr(cidr);
    const n = ipv4ToInt(ip);
    return n >= base && n < base + size;
}

export function validIpv4(ip: string): boolean {
    const parts = ip.split(".");
    return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** `count` consecutive host addresses of `cidr` starting at `offset`, or null when the subnet is too small. */
export function hostAddresses(cidr: string, offset: number, count: number): string[] | null {
    const { base, size } = parseCidr(cidr);
    // Keep clear of the top of the range: clouds reserve the last address(es).
    if (offset + count > size - 2) return null;
    return Array.from({ length: count }, (_, i) => intToIpv4(base + offset + i));
}

export function cidrString(c: { base: number; prefix: number }): string {
    return `${intToIpv4(c.base)}/${c.prefix}`;
}

/** `inner` lies wholly inside `outer`. */
export function cidrInside(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    return a.base >= b.base && a.base + a.size <= b.base + b.size;
}

export function cidrsOverlap(x: string, y: string): boolean {
    const a = parseCidr(x);
    const b = parseCidr(y);
    return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** How a cloud lays out the cluster subnet: what it reserves, and where the library starts numbering ranks. */
export interface SubnetRules {
    /** The cloud's name in messages ("GCP"). */
    cloudName: string;
    /** Subnet the library creates when the user names none. */
    defaultSubnetCidr: string;
    /** Host offset of rank 0's address when the user lists none. */
    firstHostOffset: number;
    /** Addresses the cloud reserves at the bottom and top of every subnet. */
    reservedLow: number;
    reservedHigh: number;
    /** Prefix lengths the cloud accepts for a subnet. */
    minPrefix: number;
    maxPrefix: number;
}

/** The block's network fields every cloud shares (spec/fields.ts, clusterNetworkFields). */
export interface ClusterNetworkFields {
    subnetCidr?: string;
    privateIps?: string[];
    allowedCidrs?: string[];
    allowPublicCidr?: boolean;
}

/** Problems with a CIDR as a subnet of this cloud, or null. */
export function subnetCidrProblem(cidr: string, rules: SubnetRules): string | null {
    const ip = cidr.split("/")[0]!;
    if (!validIpv4(ip)) return `${cidr} is not a valid IPv4 CIDR`;
    const { prefix, base } = parseCidr(cidr);
    if (prefix < rules.minPrefix || prefix > rules.maxPrefix) return `${rules.cloudName} subnets must be between /${rules.minPrefix} and /${rules.maxPrefix}, got /${prefix}`;
    if (base !== ipv4ToInt(ip)) return `${cidr} has host bits set; did you mean ${cidrString(parseCidr(cidr))}?`;
    return null;
}

/**
 * Every problem with the block's subnet, fixed addresses and allow-list for `nodes` nodes. `path`
 * turns a field of the block into its config path.
 */
export function checkClusterNetwork(block: ClusterNetworkFields, nodes: number, rules: SubnetRules, path: (field: string) => string): Problem[] {
    const problems: Problem[] = [];
    const subnet = block.subnetCidr ?? rules.defaultSubnetCidr;
    const subnetProblem = block.subnetCidr !== undefined ? subnetCidrProblem(block.subnetCidr, rules) : null;
    if (subnetProblem) problems.push({ path: path("subnetCidr"), reason: subnetProblem });
    else if (block.privateIps === undefined && clusterAddresses(block, nodes, rules) === null) {
        problems.push({ path: path("subnetCidr"), reason: `${subnet} has no room for ${nodes} fixed addresses from host offset ${rules.firstHostOffset}` });
    }
    if (block.privateIps !== undefined) {
        if (block.privateIps.length !== nodes) {
            problems.push({ path: path("privateIps"), reason: `lists ${block.privateIps.length} address(es) but the cluster has ${nodes} node(s): give one per rank, rank 0 first` });
        }
        const seen = new Set<string>();
        block.privateIps.forEach((ip, i) => {
            const reason = subnetProblem ? null : hostProblem(ip, subnet, seen, rules);
            if (reason) problems.push({ path: path(`privateIps[${i}]`), reason });
            seen.add(ip);
        });
    }
    if (!block.allowPublicCidr) {
        (block.allowedCidrs ?? []).forEach((c, i) => {
            if (parseCidr(c).prefix === 0) {
                problems.push({ path: path(`allowedCidrs[${i}]`), reason: `${c} opens the API port to the whole internet; list your clients' CIDRs, or set allowPublicCidr: true to accept that` });
            }
        });
    }
    return problems;
}

function hostProblem(ip: string, subnet: string, seen: Set<string>, rules: SubnetRules): string | null {
    if (!validIpv4(ip)) return `${ip} is not a valid IPv4 address`;
    if (seen.has(ip)) return `${ip} is listed twice; every rank needs its own address`;
    if (!cidrContains(subnet, ip)) return `${ip} is outside the subnet ${subnet}`;
    const { base, size } = parseCidr(subnet);
    const offset = ipv4ToInt(ip) - base;
    if (offset < rules.reservedLow || offset >= size - rules.reservedHigh) {
        return `${ip} is one of the addresses ${rules.cloudName} reserves in ${subnet} (the first ${rules.reservedLow} and the last ${rules.reservedHigh})`;
    }
    return null;
}

/** Each rank's fixed address: the block's privateIps, else consecutive hosts of the subnet; null when it has no room. */
export function clusterAddresses(block: ClusterNetworkFields, nodes: number, rules: SubnetRules): string[] | null {
    if (block.privateIps) return [...block.privateIps];
    return hostAddresses(block.subnetCidr ?? rules.defaultSubnetCidr, rules.firstHostOffset, nodes);
}
