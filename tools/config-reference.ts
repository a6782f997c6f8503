// docs/config-reference.md, generated from the zod schema the planner checks with (so it cannot
// drift: test/docs/config-reference.test.ts fails when the committed file differs).
//   npm run docs:config            rewrite docs/config-reference.md
// Descriptions are the schema's own (`.describe()`); examples are taken from the stacks in stacks/.

import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { CLOUD_IDS } from "../src/catalog/index";
import { CLOUD_ADAPTERS } from "../src/clouds/registry";
import { listStacks, readStackFile, stacksDir } from "../src/config";
import { CLUSTER_KEY, HF_TOKEN_KEY, clusterSchema } from "../src/intent/schema";

const ROOT = path.resolve(__dirname, "..");
export const REFERENCE_FILE = path.join(ROOT, "docs", "config-reference.md");

type JsonSchema = {
    type?: string | string[];
    enum?: unknown[];
    const?: unknown;
    pattern?: string;
    description?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    anyOf?: JsonSchema[];
    additionalProperties?: JsonSchema | boolean;
    minimum?: number;
    maximum?: number;
    exclusiveMinimum?: number;
    exclusiveMaximum?: number;
    minItems?: number;
};

export interface ReferenceRow {
    path: string;
    type: string;
    required: boolean;
    allowed: string;
    cloud: string;
    description: string;
    example: string;
}

/** Every key of the cluster block, depth first in schema order: objects get a row, then their fields. */
export function referenceRows(examples: Map<string, unknown> = stackExamples()): ReferenceRow[] {
    const schema = z.toJSONSchema(clusterSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const rows: ReferenceRow[] = [];
    walk(schema, [], true, "all", rows, examples);
    return rows;
}

function walk(node: JsonSchema, keys: string[], required: boolean, cloud: string, rows: ReferenceRow[], examples: Map<string, unknown>): void {
    const objectBranch = node.anyOf?.find((b) => b.properties) ?? node;
    if (keys.length > 0) {
        const key = keys.join(".");
        rows.push({
            path: key,
            type: typeOf(node),
            required,
            allowed: allowedOf(node),
            cloud,
            description: oneLine(node.description ?? ""),
            example: examples.has(key) ? JSON.stringify(examples.get(key)) : "",
        });
    }
    for (const [name, child] of Object.entries(objectBranch.properties ?? {})) {
        const childCloud = keys.length === 0 && (CLOUD_IDS as readonly string[]).includes(name) ? `${name} only` : cloud;
        walk(child, [...keys, name], objectBranch.required?.includes(name) ?? false, childCloud, rows, examples);
    }
}

function typeOf(node: JsonSchema): string {
    if (node.anyOf) return node.anyOf.map(typeOf).join(" or ");
    if (node.const !== undefined) return JSON.stringify(node.const);
    if (node.type === "array") return `list of ${node.items ? typeOf(node.items) : "any"}`;
    if (node.type === "object" && typeof node.additionalProperties === "object") return `map of ${typeOf(node.additionalProperties)}`;
    return Array.isArray(node.type) ? node.type.join(" or ") : (node.type ?? "any");
}

function allowedOf(node: JsonSchema): string {
    const parts: string[] = [];
    if (node.enum) parts.push(node.enum.map((v) => `\`${String(v)}\``).join(", "));
    if (node.pattern) parts.push(`matches \`${node.pattern}\``);
    const lo = node.exclusiveMinimum !== undefined ? `> ${node.exclusiveMinimum}` : node.minimum !== undefined && node.minimum > -Number.MAX_SAFE_INTEGER ? `>= ${node.minimum}` : null;
    const hi = node.exclusiveMaximum !== undefined ? `< ${node.exclusiveMaximum}` : node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER ? `<= ${node.maximum}` : null;
    if (lo || hi) parts.push([lo, hi].filter(Boolean).join(", "));
    if (node.minItems) parts.push(`at least ${node.minItems}`);
    if (node.type === "array" && node.items) {
        const inner = allowedOf(node.items);
        if (inner) parts.push(`each ${inner}`);
    }
    return parts.join("; ");
}

function oneLine(text: string): string {
    return text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
}

/** The first value each key takes in stacks/, in stack-name order. */
export function stackExamples(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const name of listStacks(ROOT)) {
        const config = readStackFile(path.join(stacksDir(ROOT), `Pulumi.${name}.yaml`), name);
        collect(config.values[CLUSTER_KEY], [], out);
    }
    return out;
}

function collect(value: unknown, keys: string[], out: Map<string, unknown>): void {
    if (keys.length > 0 && !out.has(keys.join("."))) out.set(keys.join("."), value);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) collect(v, [...keys, k], out);
    }
}

function stackKeyRows(): string[] {
    const rows = [`| \`${HF_TOKEN_KEY}\` | secret string | all | Hugging Face token for gated or rate-limited downloads. Only ever a Pulumi secret (\`pulumi config set --secret hfToken hf_...\`); a plain value is refused. |`];
    for (const id of CLOUD_IDS) {
        const { region, others } = CLOUD_ADAPTERS[id].stackKeys;
        if (region) rows.push(`| \`${region}\` | string | ${id} only | The ${id === "azure" ? "location" : "region"} the cluster runs in; required. |`);
        for (const key of others) rows.push(`| \`${key}\` | string | ${id} only | Read by the ${id} adapter; required. |`);
    }
    return rows;
}

export function renderReference(rows: ReferenceRow[] = referenceRows()): string {
    const cell = (s: string) => (s === "" ? "" : s);
    return [
        "# Stack configuration reference",
        "",
        "Generated by `npm run docs:config` from the zod schema `npm run plan` and `pulumi up` check with",
        "(src/intent/schema.ts and each cloud's src/clouds/<cloud>/schema.ts); a test fails when this file is stale.",
        "Unknown keys are refused, so a typo never passes silently. Examples are values a stack in `stacks/` sets.",
        "",
        "## Stack keys",
        "",
        "| key | type | cloud | meaning |",
        "|---|---|---|---|",
        `| \`${CLUSTER_KEY}\` | object | all | The deployment; its fields follow. |`,
        ...stackKeyRows(),
        "",
        `## \`${CLUSTER_KEY}\``,
        "",
        "| key | type | required | allowed | cloud | meaning | example |",
        "|---|---|---|---|---|---|---|",
        ...rows.map((r) => `| \`${r.path}\` | ${r.type} | ${r.required ? "yes" : "no"} | ${cell(r.allowed)} | ${r.cloud} | ${cell(r.description)} | ${r.example ? `\`${r.example.replace(/\|/g, "\\|")}\`` : ""} |`),
        "",
    ].join("\n");
}

if (require.main === module) {
    fs.mkdirSync(path.dirname(REFERENCE_FILE), { recursive: true });
    fs.writeFileSync(REFERENCE_FILE, renderReference());
    process.stdout.write(`wrote ${path.relative(ROOT, REFERENCE_FILE)}\n`);
}
