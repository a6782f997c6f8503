// dsboot-tool.py's own command line (it parses argv itself; argparse cost more than most calls'
// work): every call the boot scripts make parses, bad calls exit 2 naming the problem, and a value
// that starts with dashes (a log tail, an error message) is a value.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { SCRIPTS_DIR } from "../../src/boot/render";

const TOOL = join(SCRIPTS_DIR, "dsboot-tool.py");

/** Each argv through the tool's parse_args, in one Python process: the exit code (0: parsed) and stderr. */
function parse(argvs: string[][]): { code: number; err: string }[] {
    const script = `
import importlib.util, io, json, sys
spec = importlib.util.spec_from_file_location("dsboot_tool", sys.argv[1])
tool = importlib.util.module_from_spec(spec); spec.loader.exec_module(tool)
out = []
for argv in json.load(sys.stdin):
    err, sys.stderr = sys.stderr, io.StringIO()
    try:
        tool.parse_args(argv); code = 0
    except SystemExit as e:
        code = e.code
    out.append({"code": code, "err": sys.stderr.getvalue()}); sys.stderr = err
print(json.dumps(out))`;
    const r = spawnSync("python3", ["-c", script, TOOL], { input: JSON.stringify(argvs), encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

/** `tool <command> ...` calls in the shipped scripts, with every expansion standing for one word "0". */
function scriptCalls(): { where: string; argv: string[] }[] {
    const calls: { where: string; argv: string[] }[] = [];
    for (const f of readdirSync(SCRIPTS_DIR).filter((n) => n.endsWith(".sh"))) {
        const text = readFileSync(join(SCRIPTS_DIR, f), "utf8").replace(/\\\n\s*/g, " ");
        for (const line of text.split("\n")) {
            if (/^\s*#/.test(line)) continue;
            for (const m of line.matchAll(/\btool ([a-z][a-z-]+)((?: +(?:"[^"]*"|--?[a-z][a-z0-9-]*|[a-z_.]+))*)/g)) {
                const words = (m[2]!.match(/"[^"]*"|\S+/g) ?? []).filter((w) => !/^"\$\{\w+\[@\]\}"$/.test(w));
                calls.push({ where: `${f}: tool ${m[1]}${m[2]}`, argv: [m[1]!, ...words.map((w) => (w.startsWith('"') ? "0" : w))] });
            }
        }
    }
    return calls;
}

test("every call the boot scripts make parses", () => {
    const calls = scriptCalls();
    assert.ok(calls.length >= 25, `found only ${calls.length} calls`);
    const commands = new Set(calls.map((c) => c.argv[0]));
    for (const c of ["status", "sink", "verify", "is-marked", "mark", "field", "hf-manifest", "argv", "env-file", "mounts"]) assert.ok(commands.has(c), `no ${c} call found`);
    parse(calls.map((c) => c.argv)).forEach((r, i) => assert.equal(r.code, 0, `${calls[i]!.where}: ${r.err}`));
});

test("bad calls exit 2 with the reason; values may start with dashes", () => {
    const cases: [string[], number, RegExp?][] = [
        [[], 2, /a command is required/],
        [["nope"], 2, /a command is required/],
        [["mark", "--manifest", "m"], 2, /mark: --dir required/],
        [["status", "--file", "f", "--address", "a", "--stage", "s", "--state", "running"], 2, /--rank required/],
        [["space", "--dir", "d", "--bytes", "many"], 2, /--bytes takes an integer/],
        [["paths", "--manifest", "m", "--bogus", "1"], 2, /unknown option --bogus/],
        [["paths", "--manifest"], 2, /--manifest needs a value/],
        [["paths", "--manifest", "m", "extra"], 2, /unexpected argument/],
        [["field", "a.b", "--base64"], 0],
        [["verify", "--manifest=m", "--dir", "d", "--config-files"], 0],
        [["status", "--file", "f", "--rank", "1", "--address", "a", "--stage", "s", "--state", "failed", "--error", "--api-key leaked", "--log-tail", "--x\n--y", "--set", "a=1", "--set", "b="], 0],
    ];
    parse(cases.map(([argv]) => argv)).forEach((r, i) => {
        const [argv, code, err] = cases[i]!;
        assert.equal(r.code, code, `${JSON.stringify(argv)}: ${r.err}`);
        if (err) assert.match(r.err, err, JSON.stringify(argv));
    });
});
