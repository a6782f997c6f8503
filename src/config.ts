// Reading the stack config: from a stack YAML file (the plan command) or from Pulumi's runtime
// (`pulumi up`). Both give the same map of "namespace:key" -> value.

import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isSecureValue } from "./spec/parse";

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

export function readStackFile(file: string, stack: string | null): StackConfig {
    let doc: unknown;
    try {
        doc = parseYaml(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new ConfigFileError(`${file}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (typeof doc !== "object" || doc === null || typeof (doc as { config?: unknown }).config !== "object" || (doc as { config?: unknown }).config === null) {
        throw new ConfigFileError(`${file}: expected a Pulumi stack file with a top-level "config:" map`);
    }
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
