#!/usr/bin/env python3
"""The weights mirror's completion record, for the staging host only (stage-weights.sh); kept out of
dsboot-tool.py so GPU nodes' user data stays under EC2's 16 KB. Uses dsboot-tool.py's manifest id.

    mirror-record.py --write OUT --manifest M --dir D --revision R [--converted STORE]
    mirror-record.py --check RECORD --repo REPO --revision R [--converted STORE]
"""
import argparse
import importlib.util
import os
import sys

_spec = importlib.util.spec_from_file_location("dsboot_tool", os.path.join(os.path.dirname(os.path.abspath(__file__)), "dsboot-tool.py"))
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


def cmd_mirror_complete(a):
    """--write: the record a staging host stores last in the mirror; --check: exit 0 when a stored
    record is complete for this repo, revision and (for BF16 rows) conversion store."""
    if a.write:
        manifest = tool.read_json(a.manifest)
        if not manifest or not os.path.exists(os.path.join(a.dir, ".dsboot-verified")):
            sys.exit("mirror-complete: the weights are not verified; refusing to call the mirror complete")
        tool.write_json(a.write, {
            "repo": manifest["repo"], "revision": a.revision, "commit": manifest["commit"], "manifest": tool.manifest_id(manifest),
            "files": len(manifest["files"]), "bytes": sum(f["size"] for f in manifest["files"]),
            "converted": a.converted or None, "at": tool.now(),
        })
        return
    rec = tool.read_json(a.check)
    ok = bool(rec) and rec.get("repo") == a.repo and a.revision in (rec.get("revision"), rec.get("commit")) \
        and (not a.converted or rec.get("converted") == a.converted)
    sys.exit(0 if ok else 1)


def main():
    p = argparse.ArgumentParser(prog="mirror-record")
    for flag in ("--write", "--check", "--manifest", "--dir", "--repo", "--revision"):
        p.add_argument(flag)
    p.add_argument("--converted", default="")
    cmd_mirror_complete(p.parse_args())


if __name__ == "__main__":
    main()
