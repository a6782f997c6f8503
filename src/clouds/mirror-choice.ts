// The weights-mirror choice every cloud block with a `weightsBucket` shares. Pure, and a leaf: the
// adapters import it while the registry is still loading them, so it imports nothing.

/**
 * A cloud block's `weightsBucket` asks for a mirror (and so a staging host) unless it says
 * `create: false` without naming a bucket; absent, the stack creates one.
 */
export function mirrorWanted(bucket: { create?: boolean; name?: string } | undefined): boolean {
    return bucket?.create !== false || bucket.name !== undefined;
}
