// Fixed private addresses per rank, known before any node exists, so every node's
// --dist-init-addr is in its user data and all nodes are created in parallel.

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
