#!/usr/bin/env python3
# GPU preflight: does this node's driver and GPU set fit the plan's image, before 30 GB are pulled?
#
#     nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv |
#         gpu-preflight.py --min-driver 580.65.06 --gpus 8 --gpu-name H200 [--smi-text FILE]
#
# Reads nvidia-smi's CSV (with or without header and units). Refuses when the driver is older than the
# image's CUDA needs (CUDA 13 images need a 580 driver, CUDA 12 images 525: NVIDIA's minor-version
# compatibility table), when fewer or other GPUs than the plan's are visible. With --smi-text (plain
# `nvidia-smi` output) it also reads the "CUDA Version" the driver supports. Prints one JSON object
# (the facts and every problem) on stdout; exit 0 when it fits, 1 when refused, 2 on unreadable input.
# Stdlib only.
import argparse
import csv
import io
import json
import re
import sys


def version_tuple(v):
    parts = re.findall(r"\d+", v or "")
    if not parts:
        raise ValueError(f"not a version: {v!r}")
    return tuple(int(p) for p in parts)


def parse_query_csv(text):
    # nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv[,noheader][,nounits].
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if rows and rows[0][0].strip().lower() == "name":
        rows = rows[1:]
    gpus = []
    for r in rows:
        if len(r) < 3:
            raise ValueError(f"expected name, driver_version, memory.total; got {r}")
        name, driver, mem = (c.strip() for c in r[:3])
        m = re.match(r"(\d+)", mem)
        gpus.append({"name": name, "driver": driver, "memoryMiB": int(m.group(1)) if m else None})
    if not gpus:
        raise ValueError("nvidia-smi listed no GPU")
    return gpus


def parse_smi_text(text):
    # The banner of plain `nvidia-smi`: `Driver Version: 580.x   CUDA Version: 13.0`.
    driver = re.search(r"Driver Version:\s*([\d.]+)", text)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", text)
    return {"driver": driver.group(1) if driver else None, "cuda": cuda.group(1) if cuda else None}


def check(gpus, min_driver, want_gpus, want_name, smi=None, image_cuda=None):
    problems = []
    drivers = sorted({g["driver"] for g in gpus})
    if len(drivers) > 1:
        problems.append(f"GPUs report different drivers: {', '.join(drivers)}")
    driver = drivers[0]
    if version_tuple(driver) < version_tuple(min_driver):
        cuda = f" (CUDA {image_cuda})" if image_cuda else ""
        problems.append(f"driver {driver} is older than {min_driver}, the minimum for the image{cuda}; "
                        "use a host image with a newer driver (the DLAMI's current release) or an SGLang image built for an older CUDA")
    if want_gpus is not None and len(gpus) != want_gpus:
        problems.append(f"{len(gpus)} GPU(s) visible; the plan needs {want_gpus}")
    if want_name:
        other = sorted({g["name"] for g in gpus if want_name.lower() not in g["name"].lower()})
        if other:
            problems.append(f"GPU model {', '.join(other)} is not the plan's {want_name}")
    if smi and smi.get("cuda") and image_cuda and version_tuple(smi["cuda"]) < version_tuple(image_cuda)[:2]:
        problems.append(f"the driver supports CUDA {smi['cuda']}; the image is built for CUDA {image_cuda}")
    return {"driver": driver, "gpus": len(gpus), "names": sorted({g["name"] for g in gpus}),
            "memoryMiB": gpus[0]["memoryMiB"], "driverCuda": (smi or {}).get("cuda"), "minDriver": min_driver,
            "ok": not problems, "problems": problems, "message": "; ".join(problems)}


def main(argv=None):
    p = argparse.ArgumentParser(prog="gpu-preflight", description="GPU preflight: driver and GPUs against the plan")
    p.add_argument("--query", default="-", help="file with nvidia-smi's CSV query output ('-': stdin)")
    p.add_argument("--smi-text", help="file with plain nvidia-smi output (optional)")
    p.add_argument("--min-driver", required=True, help="lowest driver version the image's CUDA runs on")
    p.add_argument("--image-cuda", help="CUDA version the image is built for, for the message and the --smi-text check")
    p.add_argument("--gpus", type=int, help="GPUs the plan expects on this node")
    p.add_argument("--gpu-name", help="substring of the GPU's product name the plan expects (e.g. H200)")
    a = p.parse_args(argv)
    try:
        text = sys.stdin.read() if a.query == "-" else open(a.query, encoding="utf-8").read()
        gpus = parse_query_csv(text)
        smi = parse_smi_text(open(a.smi_text, encoding="utf-8").read()) if a.smi_text else None
        result = check(gpus, a.min_driver, a.gpus, a.gpu_name, smi, a.image_cuda)
    except (OSError, ValueError) as e:
        problem = f"cannot read nvidia-smi output: {e}"
        print(json.dumps({"ok": False, "problems": [problem], "message": problem}))
        return 2
    print(json.dumps(result, sort_keys=True))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
