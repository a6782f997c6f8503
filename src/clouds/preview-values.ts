// Helpers every cloud's offline preview mocks share: stable made-up ids, and invoke errors that keep
// their message.

import { createHash } from "node:crypto";

/** A hex string that depends only on `seed`: the same stack previews to the same ids every run. */
export function stableHex(seed: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++) out += createHash("sha256").update(`${seed}#${i}`).digest("hex");
    return out.slice(0, length);
}

/** mocks.call errors reach the program as `new Error(err.details)`: without details the message is lost. */
export function previewError(message: string): Error & { details: string } {
    return Object.assign(new Error(message), { details: message });
}
