// Reading the stack config: from a stack YAML file (the plan command) or from Pulumi's runtime
// (`pulumi up`). Both give the same map of "namespace:key" -> value.

import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isSecureValue } from "./intent/parse";

export interface StackConfig {
    /** Stack name (`stacks/Pulumi.<name>.yaml`), or null for an arbitrary file. */
    stack: string | null;
    values: Record<string, unknown>;
    /** Keys whose values are Pulumi secrets. */
    secretKeys: Set<string>;
}

export class ConfigFileError extends Error {}

export function stacksDir(root: string): string {
    return path.join(root, "stacks");
}

export function listStacks(root: string): string[] {
    return fs
        .readdirSync(stacksDir(root))
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .map((f) => f.slice("Pulumi.".length, -".yaml".length))
        .sort();
}

/** A stack file is a few KB; past this it is not one (and parsing it would only cost time). */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;
/** Deeper than any stack config nests (config -> cluster -> aws -> tags -> value is 4). */
export const MAX_NESTING = 32;

function depthOf(value: unknown, limit: number, depth = 0): number {
    if (depth > limit || typeof value !== "object" || value === null) return depth;
    let deepest = depth;
    for (const v of Object.values(value)) deepest = Math.max(deepest, depthOf(v, limit, depth + 1));
    return deepest;
}

/**
 * A stack file read the way Pulumi reads it (YAML 1.1-style merge keys `<<` work, as in Pulumi's Go
 * YAML reader); anything that is not a stack file is one clear line.
 */
export function readStackFile(file: string, stack: string | null): StackConfig {
    const size = fs.statSync(file).size;
    if (size > MAX_STACK_FILE_BYTES) throw new ConfigFileError(`${file}: ${size} bytes is no stack file (the limit is ${MAX_STACK_FILE_BYTES}); stack files hold a config: map of a few KB`);
    let doc: unknown;
    try {
        doc = parseYaml(fs.readFileSync(file, "utf8"), { merge: true, maxAliasCount: 100, uniqueKeys: true });
    } catch (err) {
        throw new ConfigFileError(`${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    const config = typeof doc === "object" && doc !== null ? (doc as { config?: unknown }).config : undefined;
    if (Array.isArray(config)) throw new ConfigFileError(`${file}: "config:" is a list; Pulumi expects a map of "namespace:key: value" entries`);
    if (typeof config !== "object" || config === null) {
        throw new ConfigFileError(`${file}: expected a Pulumi stack file with a top-level "config:" map`);
    }
    if (depthOf(config, MAX_NESTING) > MAX_NESTING) throw new ConfigFileError(`${file}: "config:" nests deeper than ${MAX_NESTING} levels; no setting of this project nests that deep`);
    const values = (doc as { config: Record<string, unknown> }).config;
    const secretKeys = new Set(Object.keys(values).filter((k) => isSecureValue(values[k])));
    return { stack, values, secretKeys };
}

/** Under `pulumi up`: structured values arrive as JSON text. */
export function fromRuntimeConfig(all: Record<string, string>, isSecret: (key: string) => boolean, stack: string): StackConfig {
    const values: Record<string, unknown> = {};
    for (const [key, text] of Object.entries(all)) {
        values[key] = /^\s*[[{]/.test(text) ? safeJson(text) : text;
    }
    return { stack, values, secretKeys: new Set(Object.keys(all).filter(isSecret)) };
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
