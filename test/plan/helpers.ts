// Shared test helpers: build stack config maps and plan them.

import { strict as assert } from "node:assert";
import { GPU_IDS, gpusOffered, type CloudId, type Release, type Row } from "../../src/catalog/index";
import { parseSglangArgv } from "../../src/plan/argparse";
import { planFromConfig, type PlanResult, type ServingPlan } from "../../src/plan/index";
import { CLUSTER_KEY } from "../../src/intent/schema";

/** The stack keys each cloud needs (the planner refuses a stack without them), unless a test sets its own. */
const CLOUD_KEYS: Record<string, Record<string, string>> = {
    aws: { "aws:region": "us-east-2" },
    azure: { "azure-native:location": "eastus" },
    gcp: { "gcp:region": "us-central1", "gcp:project": "test-project" },
};

export function configOf(cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const keys = Object.fromEntries(Object.entries(CLOUD_KEYS[String(cluster.cloud)] ?? {}).filter(([k]) => !(k in extra)));
    return { [CLUSTER_KEY]: cluster, ...keys, ...extra };
}

export function planCluster(cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): PlanResult {
    return planFromConfig(configOf(cluster, extra), { stack: "test" });
}

export function mustPlan(cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): ServingPlan {
    const r = planCluster(cluster, extra);
    if (!r.ok) throw new Error(`expected a plan, got:\n${r.problems.map((p) => `${p.path}: ${p.reason}`).join("\n")}`);
    return r.plan;
}

export function problemsOf(cluster: Record<string, unknown>, extra: Record<string, unknown> = {}): { path: string; reason: string }[] {
    const r = planCluster(cluster, extra);
    if (r.ok) throw new Error("expected a refusal, got a plan");
    return r.problems;
}

/** The value after `flag` in argv, or undefined; `true` for a flag without value. */
export function flagValue(argv: string[], flag: string): string | true | undefined {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const next = argv[i + 1];
    return next === undefined || next.startsWith("--") ? true : next;
}

/** The cloud each row runs best on (DESIGN.md's table); H800/H20-only configurations run on hosts. */
export function cloudFor(row: Row, gpu = row.gpus[0]!): CloudId {
    for (const c of ["aws", "azure", "gcp"] as CloudId[]) if (gpusOffered(c, GPU_IDS).includes(gpu)) return c;
    return "hosts";
}

export function clusterFor(row: Row, cloud: CloudId, gpu = row.gpus[0]!, version?: string): Record<string, unknown> {
    const c: Record<string, unknown> = { cloud, gpu, weights: row.weights };
    if (version) c.sglang = { version };
    if (cloud === "hosts") c.hosts = { addresses: Array.from({ length: row.nodes }, (_, i) => `10.1.0.${i + 1}`) };
    return c;
}


/** Flags whose value the library decides for the cluster it builds (addresses, ports, local weights). */
const MANAGED_VALUES = new Set(["model_path", "dist_init_addr", "host", "port"]);
/** Flags the library adds to every recipe. */
const MANAGED_ADDITIONS = new Set(["trust_remote_code", "served_model_name", "host", "port", "enable_metrics", "api_key", "dist_timeout"]);

export function valuesOf(argv: string[], flags: Release["flags"], abbreviations: boolean): Record<string, unknown> {
    const r = parseSglangArgv(argv, flags, { allowAbbreviations: abbreviations });
    assert.ok(r.ok, `argv does not parse: ${JSON.stringify(!r.ok && r.problems)}\n${argv.join(" ")}`);
    return r.parsed.values;
}


/**
 * Rank 0's argv equals the seed's command up to canonical flag names: every flag of the seed is
 * there with the same value (or a value the library manages), and every other flag is one the
 * library adds on purpose.
 */
export function assertMatchesSeed(ours: string[], seedFlags: string, release: Release, extraManaged: string[] = []): void {
    const seed = valuesOf(["python3", "-m", "sglang.launch_server", ...seedFlags.split(/\s+/)], release.flags, true);
    const mine = valuesOf(ours, release.flags, false);
    for (const [dest, value] of Object.entries(seed)) {
        if (MANAGED_VALUES.has(dest) || extraManaged.includes(dest)) {
            assert.ok(dest in mine, `${dest} missing`);
            continue;
        }
        assert.deepEqual(mine[dest], value, `${dest}: seed ${JSON.stringify(value)}, ours ${JSON.stringify(mine[dest])}`);
    }
    for (const dest of Object.keys(mine)) {
        if (!(dest in seed)) assert.ok(MANAGED_ADDITIONS.has(dest), `library added ${dest}, which is neither in the seed's command nor managed`);
    }
    const seedModel = String(seed.model_path);
    if (!seedModel.startsWith("/")) assert.equal(mine.served_model_name, seedModel, "serves the seed's model under its repo id");
}
