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

/** The block's network fields every cloud shares (intent/fields.ts, clusterNetworkFields). */
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
    problems.push(...allowListProblems(block.allowedCidrs, block.allowPublicCidr, path));
    return problems;
}

function hostProblem(ip: string, subnet: string, seen: Set<string>, rules: SubnetRules): string | null {
    if (!validIpv4(ip)) return `${ip} is not a valid IPv4 address (four octets, each 0-255)`;
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

// ---- every address a user can type -----------------------------------------------------------

/** Why a CIDR is not a well-formed IPv4 network, or null. */
export function cidrProblem(cidr: string): string | null {
    const [ip, prefixText] = cidr.split("/");
    if (!validIpv4(ip ?? "")) return `${cidr} is not a valid IPv4 CIDR (each octet 0-255)`;
    const prefix = Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return `${cidr} has prefix length /${prefixText}; IPv4 allows /0 to /32`;
    if (parseCidr(cidr).base !== ipv4ToInt(ip!)) return `${cidr} has host bits set; did you mean ${cidrString(parseCidr(cidr))}?`;
    return null;
}

// Ranges that are not the public internet (RFC 6890 special-purpose registry).
const NOT_PUBLIC = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3"];

/** Merged [start, end) intervals of a set of CIDRs. */
function union(cidrs: string[]): [number, number][] {
    const spans = cidrs.map((c) => parseCidr(c)).map((c) => [c.base, c.base + c.size] as [number, number]).sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    for (const s of spans) {
        const last = out[out.length - 1];
        if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
        else out.push([...s]);
    }
    return out;
}

/** Public IPv4 addresses the union of `cidrs` covers. */
export function publicAddressesCovered(cidrs: string[]): number {
    const covered = union(cidrs);
    const excluded = union(NOT_PUBLIC);
    let total = 0;
    for (const [a, b] of covered) {
        total += b - a;
        for (const [x, y] of excluded) total -= Math.max(0, Math.min(b, y) - Math.max(a, x));
    }
    return total;
}

/**
 * More public addresses than a /8 holds is no client list: no organisation's clients fill more. The
 * allow-list is judged by what its union covers, so 0.0.0.0/1 + 128.0.0.0/1 is the internet too.
 */
export const PUBLIC_ALLOWANCE = 2 ** 24;

/** Every problem with an API allow-list: malformed or repeated CIDRs, and public exposure without the opt-in. */
export function allowListProblems(cidrs: string[] | undefined, allowPublic: boolean | undefined, path: (field: string) => string): Problem[] {
    if (!cidrs) return [];
    const problems: Problem[] = [];
    const good: string[] = [];
    cidrs.forEach((c, i) => {
        const reason = cidrProblem(c);
        if (reason) return void problems.push({ path: path(`allowedCidrs[${i}]`), reason });
        const dup = good.findIndex((g) => cidrInside(c, g));
        if (dup >= 0) return void problems.push({ path: path(`allowedCidrs[${i}]`), reason: `${c} is already covered by ${good[dup]} (allowedCidrs[${cidrs.indexOf(good[dup]!)}]); list it once` });
        good.push(c);
    });
    if (allowPublic) return problems;
    const exposure = (n: number) => (n >= publicAddressesCovered(["0.0.0.0/0"]) ? "the whole internet" : `${n.toLocaleString("en-US")} public addresses, more than a /8`);
    // One CIDR too wide on its own is named; otherwise the union is judged as a whole, once.
    const wide = good.filter((c) => publicAddressesCovered([c]) > PUBLIC_ALLOWANCE);
    const publicCount = publicAddressesCovered(good);
    const advice = "list your clients' CIDRs, or set allowPublicCidr: true to accept that";
    if (wide.length === 1) {
        problems.push({ path: path(`allowedCidrs[${cidrs.indexOf(wide[0]!)}]`), reason: `${wide[0]} opens the API port to ${exposure(publicAddressesCovered(wide))}; ${advice}` });
    } else if (publicCount > PUBLIC_ALLOWANCE) {
        problems.push({ path: path("allowedCidrs"), reason: `together these CIDRs (${(wide.length > 1 ? wide : good).join(", ")}) open the API port to ${exposure(publicCount)}; ${advice}` });
    }
    return problems;
}

/** Why an address cannot be a rank's address, or null. Loopback and link-local cannot reach another node. */
export function rankAddressProblem(ip: string, multiNode: boolean): string | null {
    if (!validIpv4(ip)) return `${ip} is not a valid IPv4 address (four octets, each 0-255)`;
    if (cidrContains("0.0.0.0/8", ip)) return `${ip} is not a host address ("this network", RFC 6890)`;
    if (cidrContains("224.0.0.0/4", ip)) return `${ip} is a multicast address, not a host`;
    if (cidrContains("240.0.0.0/4", ip)) return ip === "255.255.255.255" ? "255.255.255.255 is the broadcast address, not a host" : `${ip} is in the reserved 240.0.0.0/4 range, not a host`;
    if (multiNode && cidrContains("127.0.0.0/8", ip)) return `${ip} is loopback: the other nodes cannot reach rank 0 there; give each machine's private address`;
    if (multiNode && cidrContains("169.254.0.0/16", ip)) return `${ip} is link-local: it does not route between nodes, and NCCL/Gloo would not rendezvous over it; give each machine's private address`;
    return null;
}

/** Problems with a list of rank addresses: each address, and repeats. */
export function rankAddressesProblems(addresses: string[], path: (i: number) => string): Problem[] {
    const problems: Problem[] = [];
    const seen = new Map<string, number>();
    addresses.forEach((ip, i) => {
        const reason = rankAddressProblem(ip, addresses.length > 1);
        if (reason) problems.push({ path: path(i), reason });
        else if (seen.has(ip)) problems.push({ path: path(i), reason: `${ip} is listed twice (also rank ${seen.get(ip)}); every rank needs its own machine` });
        else seen.set(ip, i);
    });
    return problems;
}
