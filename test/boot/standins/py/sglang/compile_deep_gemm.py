"""Stand-in for `python3 -m sglang.compile_deep_gemm`: records its argv and writes a kernel file
into the DeepGEMM cache directory SGLang would use (SGL_DG_CACHE_DIR / SGLANG_DG_CACHE_DIR, §3)."""
import json
import os
import sys
import time

state = os.environ["STANDIN_STATE"]
cache = os.environ.get("SGLANG_DG_CACHE_DIR") or os.environ.get("SGL_DG_CACHE_DIR")
with open(f"{state}/server-events.jsonl", "a") as f:
    f.write(json.dumps({"kind": "precompile", "argv": sys.argv[1:], "cache": cache, "t": time.time()}) + "\n")
if os.path.exists(f"{state}/precompile-fails"):
    sys.exit(5)
os.makedirs(cache, exist_ok=True)
with open(os.path.join(cache, "kernel-sm90.cubin"), "w") as f:
    f.write("compiled\n")
