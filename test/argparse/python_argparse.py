"""Oracle for the differential test: rebuilds SGLang's parser from an extracted flag set with
CPython's real argparse, parses a batch of argvs and prints one verdict per argv.

stdin:  {"flags": [FlagSpec...], "argvs": [[...], ...]}   (argvs without `python3 -m sglang.<module>`;
        "compile_deep_gemm": true adds --timeout as sglang.compile_deep_gemm does)
stdout: [{"ok": true, "values": {dest: value}} | {"ok": false, "error": str}, ...]

Types and actions are re-created from what each FlagSpec records; defaults are suppressed so the
namespace holds only what an argv sets.
"""

import argparse
import contextlib
import io
import json
import math
import re
import sys
from decimal import Decimal


def nullable_str(text):
    return None if not text or text == "None" else text


_SI = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_IEC = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def human_readable_int(text):
    # Same contract as SGLang main's helper: case-sensitive SI or IEC suffix, else int().
    text = text.strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)", text)
    if not m:
        return int(text)
    number, suffix = m.groups()
    if suffix in _IEC:
        if "." in number:
            raise argparse.ArgumentTypeError("no decimals with IEC suffixes")
        return int(number) * _IEC[suffix]
    return int(Decimal(number) * _SI[suffix])


def cuda_graph_config(text, allowed):
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        raise argparse.ArgumentTypeError("not an object")
    for phase, settings in parsed.items():
        if phase not in allowed or not isinstance(settings, dict) or set(settings) - set(allowed[phase]):
            raise argparse.ArgumentTypeError("bad phase settings")
        if settings.get("backend") == "tc_piecewise":
            raise argparse.ArgumentTypeError("retired backend")
    return parsed


def cuda_graph_backend(text):
    if text == "tc_piecewise":
        raise argparse.ArgumentTypeError("retired backend")
    return text


TYPES = {
    None: None,
    "str": str,
    "int": int,
    "float": float,
    "nullable_str": nullable_str,
    "human_readable_int": human_readable_int,
    "json_list_type": json.loads,
    "loads": json.loads,
    "parse_cuda_graph_backend_arg": cuda_graph_backend,
}


class Refused(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise Refused(message)

    def exit(self, status=0, message=None):
        raise Refused(message or f"exit {status}")


class NoOp(argparse.Action):
    def __init__(self, option_strings, dest, nargs=0, **kwargs):
        super().__init__(option_strings, dest, nargs=nargs, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        pass


def add_flag(parser, spec):
    names = spec["option_strings"]
    common = {"dest": spec["dest"], "default": argparse.SUPPRESS}
    action = spec["action"]
    if action in ("store_true", "DeprecatedStoreTrueAction"):
        parser.add_argument(*names, action="store_true", **common)
    elif action == "BooleanOptionalAction":
        parser.add_argument(names[0], action=argparse.BooleanOptionalAction, **common)
    elif action in ("DeprecatedAction", "DeprecatedStoreConstAction"):
        parser.add_argument(*names, action=NoOp, **common)
    else:  # store, DeprecatedAliasStoreAction, LoRAPathAction (kept as the raw list)
        if spec["type"] == "parse_cuda_graph_config_arg":
            allowed = spec.get("type_facts", {}).get("allowed_keys", {})
            kwargs = dict(common, type=lambda text, allowed=allowed: cuda_graph_config(text, allowed))
        else:
            kwargs = dict(common, type=TYPES[spec["type"]])
        if spec["choices"] is not None:
            kwargs["choices"] = spec["choices"]
        if spec["nargs"] is not None:
            kwargs["nargs"] = spec["nargs"]
        if spec["nargs"] == "?":
            kwargs["const"] = spec["const"]
        if spec["required"]:
            kwargs["required"] = True
        parser.add_argument(*names, **kwargs)


def encodable(value):
    # JSON has no NaN/Infinity: tag them so the TypeScript side can compare.
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, list):
        return [encodable(v) for v in value]
    if isinstance(value, dict):
        return {k: encodable(v) for k, v in value.items()}
    return value


def verdict(parser, argv):
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # --help prints usage before exiting
            namespace = parser.parse_args(argv)
        return {"ok": True, "values": encodable(vars(namespace))}
    except Refused as e:
        return {"ok": False, "error": str(e)}


def main():
    request = json.load(sys.stdin)
    parser = Parser()
    for spec in request["flags"]:
        add_flag(parser, spec)
    if request.get("compile_deep_gemm"):
        parser.add_argument("--timeout", type=int, default=argparse.SUPPRESS)
    json.dump([verdict(parser, argv) for argv in request["argvs"]], sys.stdout)


if __name__ == "__main__":
    main()
