// The stack config's own keys and how a config path is written. A leaf module: the cloud adapters'
// checks name paths with it, and the schema is built from those adapters.

export const CONFIG_NAMESPACE = "deepseek-sglang";
export const CLUSTER_KEY = `${CONFIG_NAMESPACE}:cluster`;
export const HF_TOKEN_KEY = `${CONFIG_NAMESPACE}:hfToken`;
/** Private key Pulumi uses to reach existing hosts over SSH (`cloud: hosts`); only ever a secret. */
export const SSH_KEY_KEY = `${CONFIG_NAMESPACE}:sshPrivateKey`;

/** `base` + zod-style path: `issuePath("a", ["b", 0, "c"])` is `a.b[0].c`. */
export function issuePath(base: string, path: ReadonlyArray<PropertyKey>): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), base);
}
