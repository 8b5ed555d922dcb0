import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_OPTIONS,
  initializationOptions,
  mcpEnvironment,
  parseSettings,
  redact,
  serverEnvironment,
} from "../settings";

function getter(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe("parseSettings", () => {
  it("gives the defaults when nothing is set", () => {
    const { options, problems } = parseSettings(getter({}));
    assert.deepEqual(options, DEFAULT_OPTIONS);
    assert.deepEqual(problems, []);
  });

  it("maps each setting to its snake_case initialization option", () => {
    const { options, problems } = parseSettings(
      getter({ sandbox: false, brain: "anthropic", "budget.minutes": 90, "budget.maxUsd": 2.5, "budget.maxRepairs": 5 }),
    );
    assert.deepEqual(options, { sandbox: false, brain: "anthropic", budget_minutes: 90, max_usd: 2.5, max_repairs: 5 });
    assert.deepEqual(problems, []);
  });

  it("replaces each invalid value by its default and says why", () => {
    const { options, problems } = parseSettings(
      getter({ sandbox: "no", brain: "gpt", "budget.minutes": -1, "budget.maxUsd": Number.NaN, "budget.maxRepairs": 2.5 }),
    );
    assert.deepEqual(options, DEFAULT_OPTIONS);
    assert.equal(problems.length, 5);
    assert.ok(problems.some((p) => p.includes("mlintern.brain") && p.includes("offline")));
    assert.ok(problems.some((p) => p.includes("mlintern.budget.maxRepairs") && p.includes("an integer")));
    assert.ok(problems.some((p) => p.includes("mlintern.budget.minutes") && p.includes("-1")));
  });

  it("keeps valid settings when others are invalid", () => {
    const { options, problems } = parseSettings(getter({ brain: "offline", "budget.minutes": "lots" }));
    assert.equal(options.brain, "offline");
    assert.equal(options.budget_minutes, DEFAULT_OPTIONS.budget_minutes);
    assert.equal(problems.length, 1);
  });
});

describe("initializationOptions", () => {
  it("sends the options the server knows, with the interpreter, in snake_case", () => {
    const { options } = parseSettings(getter({ sandbox: false, brain: "offline", "budget.minutes": 5, "budget.maxUsd": 0 }));
    assert.deepEqual(initializationOptions(options, "/venv/bin/python"), {
      sandbox: false,
      brain: "offline",
      budget_minutes: 5,
      max_usd: 0,
      max_repairs: 3,
      python_path: "/venv/bin/python",
    });
  });
});

describe("environments", () => {
  it("passes the API key to the server only through its environment", () => {
    const env = serverEnvironment({ PATH: "/usr/bin", EMPTY: undefined }, "sk-ant-secret");
    assert.equal(env.ANTHROPIC_API_KEY, "sk-ant-secret");
    assert.equal(env.PATH, "/usr/bin");
    assert.equal(env.PYTHONUNBUFFERED, "1");
    assert.ok(!("EMPTY" in env));
  });

  it("keeps a key the user already exported when none is stored", () => {
    assert.equal(serverEnvironment({ ANTHROPIC_API_KEY: "from-shell" }, undefined).ANTHROPIC_API_KEY, "from-shell");
  });

  it("gives the MCP server its workspace and only the variables that differ", () => {
    assert.deepEqual(mcpEnvironment(undefined, "/w"), { PYTHONUNBUFFERED: "1", PYTHONSAFEPATH: "1", MLINTERN_WORKSPACE: "/w" });
    assert.equal(mcpEnvironment("k", "/w").ANTHROPIC_API_KEY, "k");
  });

  it("redacts the key from logged text", () => {
    assert.equal(redact("env ANTHROPIC_API_KEY=sk-1 x sk-1", "sk-1"), "env ANTHROPIC_API_KEY=<redacted> x <redacted>");
    assert.equal(redact("nothing", undefined), "nothing");
  });
});

describe("servers never import from the opened folder", () => {
  it("both server environments set PYTHONSAFEPATH (python -m would put the folder first on sys.path)", () => {
    assert.equal(serverEnvironment({}, undefined).PYTHONSAFEPATH, "1");
    assert.equal(mcpEnvironment(undefined, "/w").PYTHONSAFEPATH, "1");
  });
});
