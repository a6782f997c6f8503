// The readiness gate's dynamic provider. Pulumi serializes these closures with everything they
// reach (the status store, the poll functions of wait.ts/assess.ts) and runs them in its provider
// host, so this file imports only those and Pulumi's log module, never the whole SDK.

import type * as pulumi from "@pulumi/pulumi";
import { info } from "@pulumi/pulumi/log";
import type { StatusStore } from "../clouds/adapter";
import { parseRecord, type NodeStatus } from "./assess";
import type { ReadinessBudget } from "./budget";
import { waitForServing } from "./wait";

/** The gate's inputs once resolved (what the provider sees). */
export interface ReadinessGateInputs {
    /** The cluster's `statusLocation`. */
    statusLocation: string;
    /** The cluster's node ids: new nodes (a replacement) re-arm the gate. */
    nodeIds: string[];
    nodes: number;
    budget: ReadinessBudget;
    pollSeconds: number;
}

export interface ReadinessGateOutputs extends ReadinessGateInputs {
    /** When rank 0 first reported serving (ISO 8601). */
    servedAt: string;
    /** Seconds the gate waited. */
    waitedSeconds: number;
}

/** Waits for `inputs`' cluster; the provider's create and update. */
export async function gateWait(store: StatusStore, inputs: ReadinessGateInputs, log: (line: string) => void, clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) }): Promise<ReadinessGateOutputs> {
    const since = new Date(clock.now());
    const waitedSeconds = await waitForServing({
        read: async () => (await store.read(inputs.statusLocation)).map(parseRecord).filter((r): r is NodeStatus => r !== null),
        nodes: inputs.nodes, since, budget: inputs.budget, pollSeconds: inputs.pollSeconds,
        now: clock.now, sleep: clock.sleep, log,
    });
    return { ...inputs, servedAt: new Date(clock.now()).toISOString(), waitedSeconds: Math.round(waitedSeconds) };
}

/** Re-wait when the nodes or their status location changed; other changes (budget, poll) only update. */
export function gateMustRewait(olds: ReadinessGateInputs, news: ReadinessGateInputs): boolean {
    return olds.statusLocation !== news.statusLocation || olds.nodes !== news.nodes || JSON.stringify(olds.nodeIds) !== JSON.stringify(news.nodeIds);
}

const providers = new WeakMap<(store: StatusStore) => pulumi.dynamic.ResourceProvider, WeakMap<StatusStore, pulumi.dynamic.ResourceProvider>>();

/**
 * `make(store)`, made once per store: Pulumi serializes each provider object once (its dynamic-provider
 * cache, keyed by the object), so a program that builds several resources on one store (a preview of
 * every stack, a program with two clusters) serializes the closure once, not once per resource.
 */
export function providerFor(make: (store: StatusStore) => pulumi.dynamic.ResourceProvider, store: StatusStore): pulumi.dynamic.ResourceProvider {
    let byStore = providers.get(make);
    if (!byStore) providers.set(make, (byStore = new WeakMap()));
    let provider = byStore.get(store);
    if (!provider) byStore.set(store, (provider = make(store)));
    return provider;
}

export function readinessProvider(store: StatusStore): pulumi.dynamic.ResourceProvider {
    // pulumi.log from a dynamic provider reaches the CLI (pulumi/pulumi#18249, fixed in 3.146).
    const log = (line: string) => void info(line, undefined, undefined, true);
    return {
        async create(inputs: ReadinessGateInputs) {
            const outs = await gateWait(store, inputs, log);
            return { id: `${inputs.statusLocation}@${outs.servedAt}`, outs };
        },
        async diff(_id: string, olds: ReadinessGateOutputs, news: ReadinessGateInputs) {
            const changes = gateMustRewait(olds, news) || JSON.stringify(olds.budget) !== JSON.stringify(news.budget) || olds.pollSeconds !== news.pollSeconds;
            return { changes, deleteBeforeReplace: false };
        },
        async update(_id: string, olds: ReadinessGateOutputs, news: ReadinessGateInputs) {
            if (!gateMustRewait(olds, news)) return { outs: { ...news, servedAt: olds.servedAt, waitedSeconds: olds.waitedSeconds } };
            return { outs: await gateWait(store, news, log) };
        },
        // Nothing to delete: the gate is an observation.
        async delete() {},
    };
}

