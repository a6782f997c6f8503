// MirrorComplete: a resource that completes when the weights mirror holds the completion record the
// staging host writes last (stage-weights.sh), for this repo and revision. GPU nodes depend on it,
// so no GPU-minute is billed while the weights cross the internet. A dynamic provider like the
// readiness gate (src/readiness/provider.ts): its closures are serialized, so they stay small.

import * as pulumi from "@pulumi/pulumi";
import { info } from "@pulumi/pulumi/log";
import type { StatusStore } from "../clouds/adapter";
import { assess, currentRecords, formatFailure, parseRecord } from "../readiness/assess";
import { providerFor } from "../readiness/provider";

export interface MirrorCompleteInputs {
    /** `<mirror>/.dsboot-mirror-complete.json` (MIRROR_COMPLETE_RECORD). */
    recordUrl: string;
    repo: string;
    revision: string;
    /** Seconds to wait: the row's download and conversion budget. */
    timeoutSeconds: number;
    pollSeconds: number;
    /**
     * The staging host's own status record (`<staging prefix>/rank-0.json`): when it reports `failed`
     * the wait ends at once with its stage, error and log tail, instead of at the timeout. Default: none.
     */
    stagingStatusUrl?: string;
}

/** The record stage-weights.sh writes (dsboot-tool.py mirror-complete). */
export interface MirrorRecord {
    repo: string;
    revision: string;
    commit: string;
    manifest: string;
    files: number;
    bytes: number;
    converted: string | null;
    at: string;
}

/** The record, when it is this repo and revision's; else null (absent, unreadable, or another revision's). */
export function matchingRecord(body: string | null, repo: string, revision: string): MirrorRecord | null {
    if (body === null) return null;
    try {
        const r = JSON.parse(body) as MirrorRecord;
        return r && r.repo === repo && (r.revision === revision || r.commit === revision) && typeof r.manifest === "string" ? r : null;
    } catch {
        return null;
    }
}

/**
 * The staging host's failure as `pulumi up` prints it, when its status record reports one written after
 * the wait began (an older failed record is a previous host's); null otherwise. The readiness gate's
 * own reading of a status record (assess.ts, self-contained, so the serialized provider carries it).
 */
export function stagingFailure(body: string | null, waitStartedMs: number): string | null {
    const record = body === null ? null : parseRecord(body);
    if (!record) return null;
    const a = assess(currentRecords([record], new Date(waitStartedMs)), 1);
    return a.kind === "failed" ? `the staging host's ${formatFailure(a)}` : null;
}

export async function waitForMirror(store: StatusStore, i: MirrorCompleteInputs, log: (l: string) => void, clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) }): Promise<MirrorRecord> {
    const started = clock.now();
    const deadline = started + i.timeoutSeconds * 1000;
    let said = "";
    for (;;) {
        let line: string;
        // The staging host's failure, read beside the record; thrown outside the try that tolerates read errors.
        let failure: string | null = null;
        try {
            const rec = matchingRecord(await store.readObject(i.recordUrl), i.repo, i.revision);
            if (rec) {
                log(`mirror complete: ${rec.files} files, ${(rec.bytes / 1e9).toFixed(1)} GB of ${rec.repo}@${rec.commit}`);
                return rec;
            }
            line = `waiting for the staging host to complete ${i.recordUrl}`;
            // An unreadable staging record never masks the wait itself.
            failure = i.stagingStatusUrl ? stagingFailure(await store.readObject(i.stagingStatusUrl).catch(() => null), started) : null;
        } catch (err) {
            line = `could not read ${i.recordUrl}: ${err instanceof Error ? err.message : String(err)}`;
        }
        if (failure) throw new Error(`the weights mirror will not complete: ${failure} (${i.stagingStatusUrl})`);
        if (line !== said) log(line);
        said = line;
        if (clock.now() >= deadline) {
            throw new Error(`the weights mirror is not complete after ${i.timeoutSeconds}s: no completion record for ${i.repo}@${i.revision} at ${i.recordUrl} (${line}); the staging host's status record says why`);
        }
        await clock.sleep(Math.min(i.pollSeconds * 1000, Math.max(0, deadline - clock.now())));
    }
}

export function mirrorCompleteProvider(store: StatusStore): pulumi.dynamic.ResourceProvider {
    const log = (line: string) => void info(line, undefined, undefined, true);
    return {
        async create(inputs: MirrorCompleteInputs) {
            const rec = await waitForMirror(store, inputs, log);
            return { id: `${inputs.recordUrl}@${rec.commit}`, outs: { ...inputs, commit: rec.commit, manifest: rec.manifest } };
        },
        async diff(_id: string, olds: MirrorCompleteInputs, news: MirrorCompleteInputs) {
            const replace = olds.recordUrl !== news.recordUrl || olds.repo !== news.repo || olds.revision !== news.revision;
            const changed = olds.timeoutSeconds !== news.timeoutSeconds || olds.pollSeconds !== news.pollSeconds || olds.stagingStatusUrl !== news.stagingStatusUrl;
            return { changes: replace || changed, replaces: replace ? ["recordUrl"] : [] };
        },
        async update(_id: string, olds: MirrorCompleteInputs & { commit: string; manifest: string }, news: MirrorCompleteInputs) {
            return { outs: { ...news, commit: olds.commit, manifest: olds.manifest } };
        },
        async delete() {},
    };
}

/** Completes when the mirror is complete; `commit` is known only then (feed it to what must wait). */
export class MirrorComplete extends pulumi.dynamic.Resource {
    // `declare`: a class field would reset the outputs the base constructor set (ES2022 field semantics).
    declare public readonly commit: pulumi.Output<string>;
    declare public readonly manifest: pulumi.Output<string>;

    constructor(name: string, args: { recordUrl: pulumi.Input<string>; repo: string; revision: string; timeoutSeconds: number; pollSeconds?: number; stagingStatusUrl?: pulumi.Input<string> }, store: StatusStore, opts?: pulumi.CustomResourceOptions) {
        const minutes = `${Math.ceil(args.timeoutSeconds / 60) + 10}m`;
        super(providerFor(mirrorCompleteProvider, store), name, { ...args, pollSeconds: args.pollSeconds ?? 30, commit: undefined, manifest: undefined },
            { customTimeouts: { create: minutes, update: minutes }, ...opts }, "deepseek-sglang", "MirrorComplete");
    }
}
