// GPU preflight (src/boot/scripts/gpu-preflight.py) on recorded nvidia-smi output: the lent H200
// (driver 580.159.04, CUDA 13.0, test/fixtures/nvidia-smi/) and variants derived from it.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SCRIPTS_DIR } from "../../src/boot/render";
import { RELEASES } from "../../src/catalog/index";

const PREFLIGHT = join(SCRIPTS_DIR, "gpu-preflight.py");
const FIX = join(__dirname, "../fixtures/nvidia-smi");
const H200_CSV = readFileSync(join(FIX, "h200-driver-580.159.04.query.csv"), "utf8");
const H200_TXT = join(FIX, "h200-driver-580.159.04.txt");

function preflight(csv: string, args: string[]) {
    const r = spawnSync("python3", [PREFLIGHT, ...args], { input: csv, encoding: "utf8" });
    return { status: r.status, result: JSON.parse(r.stdout || "{}"), stderr: r.stderr };
}

/** The recorded H200 node as an 8-GPU node with another driver version. */
function eightGpus(driver: string): string {
    const [header, row] = H200_CSV.trim().split("\n");
    return [header, ...Array.from({ length: 8 }, () => row!.replace("580.159.04", driver))].join("\n") + "\n";
}

test("preflight: the device H200's own nvidia-smi passes a CUDA 13 image", () => {
    const need = RELEASES["0.5.15"]!.images.cuda;
    assert.equal(need.minNvidiaDriver, 580, "the catalog's floor for a CUDA 13 image");
    const r = preflight(H200_CSV, ["--min-driver", String(need.minNvidiaDriver), "--image-cuda", "13.0", "--gpus", "1", "--gpu-name", "H200", "--smi-text", H200_TXT]);
    assert.equal(r.status, 0, JSON.stringify(r.result));
    assert.equal(r.result.driver, "580.159.04");
    assert.equal(r.result.driverCuda, "13.0");
    assert.equal(r.result.memoryMiB, 143771);
});

test("preflight: a 570 driver is refused for a CUDA 13 image, with the numbers in the message", () => {
    const r = preflight(eightGpus("570.172.08"), ["--min-driver", "580", "--image-cuda", "13.0", "--gpus", "8", "--gpu-name", "H200"]);
    assert.equal(r.status, 1);
    assert.match(r.result.problems.join("\n"), /driver 570\.172\.08 is older than 580, the minimum for the image \(CUDA 13\.0\)/);
    // The same node runs a CUDA 12.4 image.
    const old = RELEASES["0.4.6.post5"]!.images.cuda.minNvidiaDriver!;
    assert.equal(preflight(eightGpus("570.172.08"), ["--min-driver", String(old), "--gpus", "8", "--gpu-name", "H200"]).status, 0);
});

test("preflight: missing GPUs, other GPU models and unreadable output are refused, all problems at once", () => {
    const r = preflight(H200_CSV, ["--min-driver", "590", "--gpus", "8", "--gpu-name", "A100"]);
    assert.equal(r.status, 1);
    assert.equal(r.result.problems.length, 3, r.result.problems.join("\n"));
    const noheader = "NVIDIA A100-SXM4-80GB, 580.95.05, 81920\n".repeat(8);
    assert.equal(preflight(noheader, ["--min-driver", "580.65.06", "--gpus", "8", "--gpu-name", "A100"]).status, 0, "noheader,nounits form");
    const garbage = preflight("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", ["--min-driver", "580"]);
    assert.equal(garbage.status, 2);
    assert.match(garbage.result.problems[0], /cannot read nvidia-smi output/);
});
