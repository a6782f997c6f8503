"""SGLang's own command-line parser, loaded from a release wheel without its heavy dependencies.

Two commands:

  flags VERSION [--out FILE]   (default FILE: src/catalog/sglang-flags/vVERSION.json) download sglang==VERSION from PyPI (pip download --no-deps), run that
                               release's ServerArgs.add_cli_args on a fresh argparse parser and write
                               every option it registers, with the wheel's name, sha256 and PyPI URL.
  wheels                       download the wheel of every flag set in src/catalog/sglang-flags and
                               check it against the sha256 the flag set records (CI runs this).
  parse                        stdin {"releases": {VERSION: {"wheel": PATH|null, "sha256": HEX,
                               "argvs": [[...], ...]}}}; parses each argv (python3 -m sglang.<module>
                               ...) with that release's real parser and prints one verdict per argv.

Only sglang's own modules run. Every other non-stdlib import is replaced by an inert stub, so the
result does not depend on what happens to be installed on the machine; a value that came from a
stub is written as "<stub:...>" and makes `flags` fail.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import types
import zipfile

PYPI_PROJECT = "https://pypi.org/project/sglang/{version}/"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CACHE = os.path.join(REPO, ".cache", "sglang-wheels")
CATALOG = os.path.join(REPO, "src", "catalog", "sglang-flags")

# ------------------------------------------------------------------------------------------------
# Stubs for third-party modules
# ------------------------------------------------------------------------------------------------


# Device namespaces sglang probes with hasattr(torch, ...): a stub must not claim them.
ABSENT_ATTRS = {"npu", "xpu", "musa", "hpu", "mlu"}


def _stub_attr(owner: str, name: str):
    if name == "__version__":
        return "0.0.0"
    if (name.startswith("__") and name.endswith("__")) or name in ABSENT_ATTRS:
        raise AttributeError(name)
    return _stub(f"{owner}.{name}")


class _StubMeta(abc.ABCMeta):
    """A stub is a class, so sglang code may subclass it, call it, index it or test it."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        return super().__new__(mcs, name, bases, namespace)

    def __init__(cls, name, bases, namespace, **kwargs):
        super().__init__(name, bases, namespace)

    def __getattr__(cls, name):
        return _stub_attr(cls._stub_name, name)

    def __call__(cls, *args, **kwargs):
        if "_stub_name" not in cls.__dict__:  # a real class that subclasses a stub: keep its fields
            obj = object.__new__(cls)
            obj.__dict__.update(kwargs)
            return obj
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], _StubMeta):
            return args[0]  # used as a decorator: keep the decorated function
        return _stub(f"{cls._stub_name}()")

    def __getitem__(cls, key):
        return _stub(f"{cls._stub_name}[]")

    def __setitem__(cls, key, value):
        pass

    def __bool__(cls):
        return False

    def __iter__(cls):
        return iter(())

    def __len__(cls):
        return 0

    def __contains__(cls, item):
        return False

    def __int__(cls):
        return 0

    def __index__(cls):
        return 0

    def __float__(cls):
        return 0.0

    def __or__(cls, other):
        return _stub(f"{cls._stub_name}|")

    __ror__ = __or__

    def __lt__(cls, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __enter__(cls):
        return cls

    def __exit__(cls, *exc):
        return False

    def __repr__(cls):
        return f"<stub:{cls._stub_name}>"

    __str__ = __repr__


def _stub(name: str) -> type:
    return _StubMeta(name.rsplit(".", 1)[-1] or "stub", (), {"_stub_name": name})


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        return _stub_attr(self.__name__, name)


# Pure data libraries whose behaviour the parser's own metadata depends on (0.5.2x declares every
# flag as a msgspec.Struct): the real thing, pinned, from its PyPI wheel, never a stub.
REAL_DEPENDENCIES = {"msgspec": "0.19.0"}

# Accelerator runtimes sglang probes for with find_spec(): present as stubs, they would switch it
# to Ascend/Gaudi/MUSA/XPU code paths, so they stay absent, as on a CUDA machine without them.
ABSENT = {"torch_npu", "habana_frameworks", "torch_musa", "intel_extension_for_pytorch", "mindspore"}


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """First on sys.meta_path: sglang from the wheel, the stdlib as usual, everything else a stub."""

    def __init__(self, root: str):
        self.root = root
        self.stubbed: set[str] = set()
        self.partial: dict[str, str] = {}

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.split(".")[0]
        if top == "sglang":
            return self._sglang_spec(fullname)
        if top in sys.stdlib_module_names or top in sys.builtin_module_names:
            return None
        if top in REAL_DEPENDENCIES:
            return None  # found on the path sglang_from() puts first
        if top in ABSENT:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        self.stubbed.add(top)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def _sglang_spec(self, fullname):
        base = os.path.join(self.root, *fullname.split("."))
        if os.path.isdir(base):
            init = os.path.join(base, "__init__.py")
            loader = _TolerantLoader(fullname, init, self) if os.path.exists(init) else None
            spec = importlib.util.spec_from_file_location(fullname, init, loader=loader, submodule_search_locations=[base]) if loader else importlib.machinery.ModuleSpec(fullname, None, is_package=True)
            if not loader:
                spec.submodule_search_locations = [base]
            return spec
        if os.path.exists(base + ".py"):
            return importlib.util.spec_from_file_location(fullname, base + ".py", loader=_TolerantLoader(fullname, base + ".py", self))
        # A compiled extension or a missing module: a stub, like a third-party import.
        self.stubbed.add(fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class _TolerantLoader(importlib.machinery.SourceFileLoader):
    """Runs an sglang module; if a stub makes it fail half-way, keeps what it defined (recorded)."""

    def __init__(self, fullname, path, finder):
        super().__init__(fullname, path)
        self.finder = finder

    def exec_module(self, module):
        # Package __init__ files of sglang import the whole runtime; the parser needs none of it.
        if module.__name__ in ("sglang", "sglang.srt"):
            return
        try:
            super().exec_module(module)
        except Exception as exc:  # noqa: BLE001 - recorded, and `flags` fails if a flag depends on it
            self.finder.partial[module.__name__] = f"{type(exc).__name__}: {exc}"
            # What the module did not get to define becomes a stub, so one failure does not cascade
            # into every importer; a flag built from such a name shows up as "<stub:...>".
            name = module.__name__
            module.__getattr__ = lambda attr: _stub_attr(name, attr)


def dependency_path(cache: str) -> str:
    """Unpacked wheels of REAL_DEPENDENCIES (downloaded once), as one directory for sys.path."""
    root = os.path.join(cache, "deps", "-".join(f"{n}{v}" for n, v in sorted(REAL_DEPENDENCIES.items())))
    if os.path.exists(os.path.join(root, ".done")):
        return root
    os.makedirs(root, exist_ok=True)
    for name, version in REAL_DEPENDENCIES.items():
        wheel = _download(name, version, cache)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(root)
    open(os.path.join(root, ".done"), "w").close()
    return root


@contextlib.contextmanager
def sglang_from(root: str, cache: str):
    """Imports sglang from an unpacked wheel at `root` with stubs; restores sys.modules afterwards."""
    saved_modules = dict(sys.modules)
    saved_path = list(sys.meta_path)
    saved_sys_path = list(sys.path)
    # The unpacked wheels are this tool's own tree: their bytecode is kept beside them in the cache
    # (even under PYTHONDONTWRITEBYTECODE), so a run does not compile ~500 modules of each release again.
    saved_bytecode = (sys.dont_write_bytecode, sys.pycache_prefix)
    sys.dont_write_bytecode, sys.pycache_prefix = False, os.path.join(cache, "pycache")
    sys.path.insert(0, dependency_path(cache))
    finder = _Finder(root)
    sys.meta_path.insert(0, finder)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            server_args = importlib.import_module("sglang.srt.server_args")
        yield server_args, finder
    finally:
        sys.dont_write_bytecode, sys.pycache_prefix = saved_bytecode
        sys.meta_path[:] = saved_path
        sys.path[:] = saved_sys_path
        for name in list(sys.modules):
            if name not in saved_modules:
                del sys.modules[name]


def unpack(wheel: str, cache: str) -> str:
    """The wheel's files under the cache, unpacked once per sha256."""
    digest = sha256(wheel)
    root = os.path.join(cache, "unpacked", digest[:16])
    if not os.path.exists(os.path.join(root, ".done")):
        os.makedirs(root, exist_ok=True)
        with zipfile.ZipFile(wheel) as z:
            z.extractall(root, [n for n in z.namelist() if n.startswith("sglang/") and n.endswith(".py")])
        open(os.path.join(root, ".done"), "w").close()
    return root


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_parser(server_args, entry: str) -> argparse.ArgumentParser:
    parser = _RefusingParser(prog=f"sglang.{entry}")
    server_args.ServerArgs.add_cli_args(parser)
    if entry == "compile_deep_gemm":
        # sglang/compile_deep_gemm.py adds exactly this option after the server's (sglang-facts §3).
        parser.add_argument("--timeout", type=int, default=3600)
    return parser


class Refused(Exception):
    pass


class _RefusingParser(argparse.ArgumentParser):
    def error(self, message):
        raise Refused(message)

    def exit(self, status=0, message=None):
        raise Refused(message or f"exit {status}")


# ------------------------------------------------------------------------------------------------
# flags: the option table
# ------------------------------------------------------------------------------------------------

ACTION_NAMES = {
    argparse._StoreAction: "store",
    argparse._StoreTrueAction: "store_true",
    argparse._StoreFalseAction: "store_false",
    argparse._StoreConstAction: "store_const",
    argparse._AppendAction: "append",
    argparse._AppendConstAction: "append_const",
    argparse._CountAction: "count",
}


def _json_safe(value):
    if isinstance(value, _StubMeta):
        return repr(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_json_safe(v) for v in value), key=str)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if hasattr(value, "value") and hasattr(value, "name"):  # an Enum member
        return _json_safe(value.value)
    return repr(value)


def _first_sentence(text):
    if not text:
        return None
    flat = " ".join(str(text).split())
    m = re.match(r"(.+?(?<!e\.g)(?<!i\.e)[.!?])(\s|$)", flat)
    return m.group(1) if m else flat


def _type_name(t):
    if t is None:
        return None
    return getattr(t, "__name__", None) or type(t).__name__


def _type_facts(t):
    """What a custom type function accepts, read from its module (the TS parser checks the same)."""
    if _type_name(t) == "parse_cuda_graph_config_arg":
        allowed = getattr(sys.modules.get(t.__module__), "ALLOWED_KEYS_PER_PHASE", None)
        if isinstance(allowed, dict):
            return {"allowed_keys": {str(getattr(k, "value", k)): list(v) for k, v in allowed.items()}}
    return None


def flag_table(parser: argparse.ArgumentParser) -> list[dict]:
    rows = []
    for a in parser._actions:
        if isinstance(a, argparse._HelpAction) or not a.option_strings:
            continue
        action = ACTION_NAMES.get(type(a), type(a).__name__)
        help_text = a.help if isinstance(a.help, str) else None
        rows.append({
            "flag": a.option_strings[0],
            "option_strings": list(a.option_strings),
            "dest": a.dest,
            "type": _type_name(a.type),
            "default": _json_safe(a.default),
            "choices": None if a.choices is None else [_json_safe(c) for c in (sorted(a.choices, key=str) if isinstance(a.choices, (set, frozenset)) else a.choices)],
            "nargs": a.nargs,
            "action": action,
            "required": bool(a.required),
            "const": _json_safe(a.const),
            "help_first_sentence": _first_sentence(help_text),
            "deprecated": "deprecat" in action.lower() or "deprecat" in (help_text or "").lower(),
        })
        facts = _type_facts(a.type)
        if facts:
            rows[-1]["type_facts"] = facts
    return rows


def _cached(name: str, version: str, cache: str) -> list[str]:
    if not os.path.isdir(cache):
        return []
    return sorted(f for f in os.listdir(cache) if f.startswith(f"{name}-{version}-") and f.endswith(".whl"))


def _download(name: str, version: str, cache: str) -> str:
    """The release's wheel from PyPI (CPython 3.11, Linux x86-64, as the CI machine), kept in the cache."""
    os.makedirs(cache, exist_ok=True)
    if not _cached(name, version, cache):
        subprocess.run([sys.executable, "-m", "pip", "download", f"{name}=={version}", "--no-deps", "--only-binary", ":all:",
                        "--python-version", "3.11", "--platform", "manylinux_2_34_x86_64", "--platform", "manylinux2014_x86_64",
                        "--platform", "any", "-d", cache, "-q"], check=True)
    found = _cached(name, version, cache)
    if len(found) != 1:
        raise SystemExit(f"expected one wheel for {name} {version} in {cache}, found {found}")
    return os.path.join(cache, found[0])


def download(version: str, cache: str) -> str:
    return _download("sglang", version, cache)


def cmd_flags(version: str, out: str | None, cache: str) -> int:
    wheel = download(version, cache)
    root = unpack(wheel, cache)
    with sglang_from(root, cache) as (server_args, finder):
        flags = flag_table(build_parser(server_args, "launch_server"))
    stubby = [f["flag"] for f in flags if "<stub:" in json.dumps(f)]
    if stubby:
        print(f"flags whose default, type or choices came from a stub: {stubby}", file=sys.stderr)
        return 1
    doc = {
        "meta": {
            "release": version,
            "wheel": os.path.basename(wheel),
            "sha256": sha256(wheel),
            "pypi": PYPI_PROJECT.format(version=version),
            "source_file": "sglang/srt/server_args.py (in the wheel)",
            "method": "tools/sglang-flags/sglang_wheel.py: ran the release's own ServerArgs.add_cli_args on argparse.ArgumentParser; sglang modules from the wheel, every other non-stdlib import stubbed",
            "num_flags": len(flags),
            "partially_loaded_modules": dict(sorted(finder.partial.items())),
        },
        "flags": flags,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if out:
        with open(out, "w") as f:
            f.write(text)
        print(f"wrote {out}: {len(flags)} flags from {os.path.basename(wheel)} (sha256 {doc['meta']['sha256']})")
    else:
        sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------------------------------------
# parse: the real parser's verdict on argvs
# ------------------------------------------------------------------------------------------------

MODULES = {"sglang.launch_server": "launch_server", "sglang.compile_deep_gemm": "compile_deep_gemm"}


def _baseline(parser):
    """The namespace of the smallest argv (only the required --model-path): every default as parsed."""
    return vars(parser.parse_args(["--model-path", "\0baseline"]))


def verdict(parsers, baselines, argv):
    if len(argv) < 3 or argv[0] != "python3" or argv[1] != "-m" or argv[2] not in MODULES:
        return {"ok": False, "error": "argv does not start with python3 -m sglang.launch_server|compile_deep_gemm"}
    parser = parsers[MODULES[argv[2]]]
    base = baselines[MODULES[argv[2]]]
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            ns = parser.parse_args(argv[3:])
    except Refused as exc:
        return {"ok": False, "error": str(exc)}
    # The values the argv sets: what differs from the defaults as the same parser stores them.
    return {"ok": True, "values": {k: _json_safe(v) for k, v in sorted(vars(ns).items()) if k not in base or base[k] != v or k == "model_path"}}


def cmd_parse(cache: str) -> int:
    request = json.load(sys.stdin)
    answer = {}
    for version, job in request["releases"].items():
        wheel = job.get("wheel") or _cached_wheel(version, cache)
        if not wheel or not os.path.exists(wheel):
            answer[version] = {"missing": f"no wheel for sglang {version} in {cache}; run: npm run sglang:wheels"}
            continue
        digest = sha256(wheel)
        if job.get("sha256") and digest != job["sha256"]:
            answer[version] = {"missing": f"{wheel} has sha256 {digest}, the flag set records {job['sha256']}"}
            continue
        with sglang_from(unpack(wheel, cache), cache) as (server_args, _):
            parsers = {entry: build_parser(server_args, entry) for entry in MODULES.values()}
            baselines = {entry: _baseline(p) for entry, p in parsers.items()}
            answer[version] = {"wheel": os.path.basename(wheel), "verdicts": [verdict(parsers, baselines, argv) for argv in job["argvs"]]}
    json.dump(answer, sys.stdout)
    return 0


def catalog_flag_sets() -> dict[str, dict]:
    """release -> meta of every flag set in the catalog."""
    out = {}
    for name in sorted(os.listdir(CATALOG)):
        if name.endswith(".json"):
            with open(os.path.join(CATALOG, name)) as f:
                meta = json.load(f)["meta"]
            out[meta["release"]] = meta
    return out


def cmd_wheels(cache: str) -> int:
    failed = 0
    for version, meta in catalog_flag_sets().items():
        wheel = download(version, cache)
        digest = sha256(wheel)
        if os.path.basename(wheel) != meta["wheel"] or digest != meta["sha256"]:
            print(f"sglang {version}: got {os.path.basename(wheel)} sha256 {digest}; the flag set records {meta['wheel']} sha256 {meta['sha256']}", file=sys.stderr)
            failed = 1
        else:
            print(f"sglang {version}: {meta['wheel']} sha256 ok")
    dependency_path(cache)
    return failed


def _cached_wheel(version, cache):
    found = _cached("sglang", version, cache)
    return os.path.join(cache, found[0]) if len(found) == 1 else None


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", default=os.environ.get("SGLANG_WHEEL_CACHE", DEFAULT_CACHE))
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flags")
    f.add_argument("version")
    f.add_argument("--out", help="default: src/catalog/sglang-flags/v<version>.json; '-' for stdout")
    w = sub.add_parser("download")
    w.add_argument("versions", nargs="+")
    sub.add_parser("parse")
    sub.add_parser("wheels")
    args = p.parse_args(argv)
    if args.cmd == "flags":
        out = args.out or os.path.join(CATALOG, f"v{args.version}.json")
        return cmd_flags(args.version, None if out == "-" else out, args.cache)
    if args.cmd == "wheels":
        return cmd_wheels(args.cache)
    if args.cmd == "download":
        for v in args.versions:
            print(download(v, args.cache))
        return 0
    return cmd_parse(args.cache)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
