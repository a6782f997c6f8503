// A dynamic provider exactly as Pulumi ships it: the provider object serialized as Pulumi's dynamic
// Resource does (`serializeFunction(() => provider)`), written where the provider host would resolve
// its requires (beside the program's node_modules), and loaded back.

import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const CACHE = path.resolve(__dirname, "..", "..", "node_modules", ".cache", "deepseek-sglang-test");

export async function shippedProvider(provider: pulumi.dynamic.ResourceProvider, tag: string): Promise<pulumi.dynamic.ResourceProvider> {
    const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    fs.mkdirSync(CACHE, { recursive: true });
    const file = path.join(CACHE, `${tag}-${process.pid}.js`);
    fs.writeFileSync(file, sf.text);
    try {
        return (require(file) as { handler: () => pulumi.dynamic.ResourceProvider }).handler();
    } finally {
        fs.rmSync(file, { force: true });
    }
}
