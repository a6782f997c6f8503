// Checks every string of the cluster block must pass, wherever it sits: no control characters (they
// would end up in an argv, a file name, a URL or a tag), not the API-key placeholder the boot pipeline
// replaces, and not a secret in plain config. Pure.

import type { Problem } from "../plan/types";
import { issuePath } from "./keys";

/** plan/argv.ts API_KEY_PLACEHOLDER, replaced by the API key at boot: a user value holding it would receive the key. */
const RESERVED_PLACEHOLDER = /@SGLANG_API_KEY@/;

// C0 controls (NUL, newline, escape ...), DEL and the C1 range.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function describeControl(text: string): string {
    const ch = CONTROL.exec(text)![0];
    const code = ch.charCodeAt(0);
    const name = code === 0 ? "NUL" : code === 10 ? "a newline" : code === 13 ? "a carriage return" : code === 9 ? "a tab" : `control character U+${code.toString(16).padStart(4, "0").toUpperCase()}`;
    return name;
}

/** Problems with every string (and key) under `value`, each at its own config path. */
export function checkStrings(base: string, value: unknown, path: (string | number)[] = []): Problem[] {
    if (typeof value === "string") {
        const at = issuePath(base, path);
        if (CONTROL.test(value)) return [{ path: at, reason: `contains ${describeControl(value)}; values end up in command lines, file names and tags, where control characters do not belong` }];
        if (RESERVED_PLACEHOLDER.test(value)) return [{ path: at, reason: "contains @SGLANG_API_KEY@, the placeholder the boot pipeline replaces with the API key; it is reserved" }];
        return [];
    }
    if (Array.isArray(value)) return value.flatMap((v, i) => checkStrings(base, v, [...path, i]));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => {
            if (CONTROL.test(k)) return [{ path: issuePath(base, [...path, k]), reason: `the key contains ${describeControl(k)}` }];
            return checkStrings(base, v, [...path, k]);
        });
    }
    return [];
}

// Credentials by shape: Hugging Face, AWS access keys, GitHub, Slack, OpenAI-style, JWTs, PEM keys.
const TOKEN_SHAPES: [RegExp, string][] = [
    [/\bhf_[A-Za-z0-9]{30,}\b/, "a Hugging Face token"],
    [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, "an AWS access key id"],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/\bsk-[A-Za-z0-9_-]{20,}/, "an API secret key"],
    [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, "a JSON web token"],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
];

/** What kind of credential a value looks like, or null. Long random-looking strings count too. */
export function looksLikeSecret(value: string): string | null {
    for (const [shape, what] of TOKEN_SHAPES) if (shape.test(value)) return what;
    // 32+ characters of base64/hex alphabet with digits and letters mixed, no spaces: a key, not a label.
    if (/^[A-Za-z0-9+/=_-]{32,}$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value) && !/^[a-z0-9-]+$/.test(value)) return "a key or token";
    if (/^[0-9a-f]{40,}$/i.test(value)) return "a key or token";
    return null;
}

/**
 * A git revision the weights download may name: a 40-hex commit, or a branch/tag name by git's
 * check-ref-format rules that keeps Hugging Face's `/resolve/<revision>/` URL path in place.
 */
export function revisionProblem(revision: string): string | null {
    if (/^[0-9a-f]{40}$/.test(revision)) return null;
    if (/^[0-9a-f]{7,39}$/.test(revision) && /\d/.test(revision)) return "looks like a short commit hash; give the full 40-character commit (a short one may name a branch or become ambiguous)";
    if (revision.length > 255) return "is longer than 255 characters";
    if (!/^[A-Za-z0-9._/-]+$/.test(revision)) return "must be a 40-hex commit or a branch/tag name of letters, digits, '.', '_', '-' and '/'";
    const bad =
        revision.startsWith("/") || revision.endsWith("/") || revision.includes("//") ? "cannot start or end with '/' or hold '//'"
        : revision.split("/").some((part) => part === "." || part === ".." || part.startsWith(".") || part.endsWith(".lock")) ? "has a path part that is '.', '..', starts with '.' or ends with '.lock' (git refuses it, and '..' would climb out of the download URL)"
        : revision.startsWith("-") ? "cannot start with '-'"
        : revision.endsWith(".") ? "cannot end with '.'"
        : null;
    return bad;
}
