// ReadinessGate: a resource in the graph that completes only when rank 0 reports `serving` after a
// real generation, so `pulumi up` ends when the model answers. It polls the status records through
// the cloud adapter's status store, logs each node's stage progress, fails `pulumi up` naming the
// node, stage, last error and log tail, and times out at the row's budget.
// A Pulumi dynamic resource; its provider is in provider.ts.

import * as pulumi from "@pulumi/pulumi";
import type { StatusStore } from "../clouds/adapter";
import type { ReadinessBudget } from "./budget";
import { providerFor, readinessProvider } from "./provider";

export type { ReadinessGateInputs, ReadinessGateOutputs } from "./provider";

export const READINESS_GATE_MODULE = "deepseek-sglang";
export const READINESS_GATE_TYPE = "ReadinessGate";

export interface ReadinessGateArgs {
    statusLocation: pulumi.Input<string>;
    nodeIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Node count of the plan. */
    nodes: number;
    /** Per-stage ceilings from the row (readinessBudget). */
    budget: ReadinessBudget;
    /** Seconds between polls. Default 15. */
    pollSeconds?: number;
}

/** Completes when the cluster serves; `servedAt` is known only then, so outputs built on it wait. */
export class ReadinessGate extends pulumi.dynamic.Resource {
    // `declare`: a class field would reset the outputs the base constructor set (ES2022 field semantics).
    declare public readonly servedAt: pulumi.Output<string>;
    declare public readonly waitedSeconds: pulumi.Output<number>;

    /**
     * @param name Unique name; `<cluster>-ready` by convention.
     * @param args Where the status records are, which nodes, and the row's budget.
     * @param store The cloud adapter's status store (`cloudAdapter(cloud).statusStore(region)`).
     */
    constructor(name: string, args: ReadinessGateArgs, store: StatusStore, opts?: pulumi.CustomResourceOptions) {
        // Custom timeouts above the budget, so the engine never cuts a wait the gate itself would end.
        const minutes = `${Math.ceil(args.budget.totalSeconds / 60) + 10}m`;
        super(providerFor(readinessProvider, store), name, {
            statusLocation: args.statusLocation, nodeIds: args.nodeIds, nodes: args.nodes, budget: args.budget, pollSeconds: args.pollSeconds ?? 15,
            servedAt: undefined, waitedSeconds: undefined,
        }, { customTimeouts: { create: minutes, update: minutes }, ...opts }, READINESS_GATE_MODULE, READINESS_GATE_TYPE);
    }
}

/** `value`, available only after the gate completed: what users act on comes after readiness. */
export function afterReady<T>(gate: ReadinessGate, value: pulumi.Output<T>): pulumi.Output<T> {
    return pulumi.all([gate.servedAt, value]).apply(([, v]) => v as T);
}
