// DeepSeekCluster as a multi-language component: the schema Pulumi infers for it (the same analyzer
// `pulumi package add` runs) is complete and typed, its settings are generated from the config schema,
// and a stack's config goes through it to the same plan `pulumi up` makes.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import { listStacks, readStackFile, stacksDir } from "../../src/config";
import { clusterJsonSchema, configFromArgs, settingsToConfig, type DeepSeekClusterArgs } from "../../src/deepseek-cluster";
import { planFromConfig } from "../../src/plan/index";
import { CLUSTER_KEY } from "../../src/intent/keys";
import * as plugin from "../../src/plugin";
import { SETTINGS_FILE, renderSettings } from "../../tools/component-args";

const ROOT = path.resolve(__dirname, "..", "..");

type SchemaProperty = { type?: string; $ref?: string; items?: SchemaProperty; additionalProperties?: SchemaProperty };

function untyped(props: Record<string, SchemaProperty>, where: string): string[] {
    return Object.entries(props).flatMap(([k, p]) => {
        const here = `${where}.${k}`;
        if (p.$ref) return p.$ref.startsWith("#/types/deepseek-sglang:index:") ? [] : [`${here}: ${p.$ref}`];
        if (!p.type) return [`${here}: no type`];
        return [...(p.items ? untyped({ items: p.items }, here) : []), ...(p.additionalProperties ? untyped({ values: p.additionalProperties }, here) : [])];
    });
}

describe("DeepSeekCluster for other languages", () => {
    it("src/cluster-settings.ts is what `npm run gen:settings` writes from the config schema", () => {
        assert.equal(fs.readFileSync(SETTINGS_FILE, "utf8"), renderSettings(), "stale: run `npm run gen:settings`");
    });

    it("PulumiPlugin.yaml names the plugin entry, which exports only analyzable components", async () => {
        const manifest = parseYaml(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8")) as { runtime: string; main: string };
        assert.equal(manifest.runtime, "nodejs");
        assert.equal(manifest.main, "dist/plugin.js");
        const components = getPulumiComponents(plugin);
        assert.deepEqual(components.map((c) => c.name), ["DeepSeekCluster"]);
    });

    it("Pulumi's schema inference reads every input and output with a type, and no union", async () => {
        const components = getPulumiComponents(plugin);
        const schema = JSON.parse(await new ComponentProvider({ components, name: "deepseek-sglang", dirname: ROOT }).getSchema());
        const resource = schema.resources["deepseek-sglang:index:DeepSeekCluster"];
        assert.ok(resource?.isComponent, "no DeepSeekCluster component in the schema");
        assert.deepEqual([...resource.requiredInputs].sort(), ["cloud", "gpu", "weights"]);
        for (const key of ["aws", "gcp", "hosts", "sglang", "region", "hfToken"]) assert.ok(resource.inputProperties[key], `input ${key} missing`);
        assert.equal(resource.inputProperties.hfToken.plain, undefined, "hfToken must stay an Input (a secret)");
        assert.equal(resource.inputProperties.cloud.plain, true, "the cloud decides the graph: a plain value");
        for (const out of ["endpoint", "apiKey", "nodeIds", "nodeAddresses", "statusLocation", "costPerHour"]) assert.ok(resource.properties[out], `output ${out} missing`);
        const problems = [
            ...untyped(resource.inputProperties, "inputs"),
            ...untyped(resource.properties, "outputs"),
            ...Object.entries(schema.types as Record<string, { properties: Record<string, SchemaProperty> }>).flatMap(([n, t]) => untyped(t.properties, n)),
        ];
        assert.deepEqual(problems, []);
        assert.ok(schema.types["deepseek-sglang:index:AwsSettings"].properties.allowedCidrs);
    });

    it("every stack's cluster config, given as component args, plans exactly as the stack does", () => {
        const schema = clusterJsonSchema();
        for (const name of listStacks(ROOT)) {
            const config = readStackFile(path.join(stacksDir(ROOT), `Pulumi.${name}.yaml`), name);
            const direct = planFromConfig(config.values, { stack: name, secretKeys: config.secretKeys });
            assert.ok(direct.ok, name);
            const cluster = config.values[CLUSTER_KEY] as Record<string, unknown>;
            const sglang = cluster.sglang as Record<string, unknown> | undefined;
            // Settings spell `torchCompile: false` as `{ enabled: false }` (no unions in the schema).
            const settings = { ...cluster, ...(sglang ? { sglang: { ...sglang, ...(sglang.torchCompile === false ? { torchCompile: { enabled: false } } : {}) } } : {}) } as unknown as DeepSeekClusterArgs;
            assert.deepEqual(settingsToConfig(settings, schema), cluster, name);
            const stackSettings = Object.fromEntries(Object.entries(config.values).filter(([k, v]) => k !== CLUSTER_KEY && !k.startsWith("deepseek-sglang:") && typeof v === "string")) as Record<string, string>;
            const { values, secretKeys } = configFromArgs({ ...settings, stackSettings });
            const viaArgs = planFromConfig(values, { stack: name, secretKeys });
            assert.ok(viaArgs.ok, `${name}: ${viaArgs.ok ? "" : JSON.stringify(viaArgs.problems)}`);
            assert.deepEqual(viaArgs.plan.nodes.map((n) => n.launch), direct.plan.nodes.map((n) => n.launch), name);
        }
    });

    it("bad args are refused with the config path, before anything is created", () => {
        const { values, secretKeys } = configFromArgs({ cloud: "aws", gpu: "H200", weights: "fp9", region: "us-east-2", sglang: { torchCompile: { enabled: false } } });
        const result = planFromConfig(values, { stack: "unit", secretKeys });
        assert.equal(result.ok, false);
        assert.ok(!result.ok && result.problems.some((p) => p.path === `${CLUSTER_KEY}.weights`), JSON.stringify(result));
    });
});
