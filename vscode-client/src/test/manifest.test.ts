// The package.json contributions agree with the code: settings documented and typed, the options the
// code reads exist with the same defaults, menus name declared commands, the engine allows the MCP API.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { BRAINS, DEFAULT_OPTIONS, NUMBER_SETTINGS } from "../settings";

const ROOT = path.join(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const properties: Record<string, Record<string, unknown>> = manifest.contributes.configuration.properties;
const commands: { command: string; title: string }[] = manifest.contributes.commands;

describe("settings", () => {
  it("each has a scope and a description; each enum has one description per value", () => {
    for (const [key, prop] of Object.entries(properties)) {
      assert.ok(prop.scope, `${key} has no scope`);
      assert.ok(prop.description || prop.markdownDescription, `${key} has no description`);
      if (prop.enum) {
        assert.equal((prop.enumDescriptions as string[]).length, (prop.enum as string[]).length, `${key} enumDescriptions`);
      }
    }
  });

  it("the options sent to the server have the same defaults as the settings", () => {
    assert.equal(properties["mlintern.sandbox"].default, DEFAULT_OPTIONS.sandbox);
    assert.equal(properties["mlintern.brain"].default, DEFAULT_OPTIONS.brain);
    assert.deepEqual(properties["mlintern.brain"].enum, [...BRAINS]);
    assert.equal(properties["mlintern.budget.minutes"].default, DEFAULT_OPTIONS.budget_minutes);
    assert.equal(properties["mlintern.budget.maxUsd"].default, DEFAULT_OPTIONS.max_usd);
    assert.equal(properties["mlintern.budget.maxRepairs"].default, DEFAULT_OPTIONS.max_repairs);
  });

  it("the number settings have the bounds the code enforces", () => {
    for (const rule of Object.values(NUMBER_SETTINGS)) {
      const prop = properties[`mlintern.${rule.key}`];
      assert.equal(prop.minimum, rule.min, rule.key);
      assert.equal(prop.maximum, rule.max, rule.key);
      assert.equal(prop.type, rule.integer ? "integer" : "number", rule.key);
    }
  });

  it("has the interpreter and the trace setting the client relies on", () => {
    assert.equal(properties["mlintern.pythonPath"].type, "string");
    assert.deepEqual(properties["mlintern.trace.server"].enum, ["off", "messages", "verbose"]);
  });
});

describe("commands", () => {
  it("menus name only declared commands", () => {
    const declared = new Set(commands.map((c) => c.command));
    for (const [menu, entries] of Object.entries(manifest.contributes.menus as Record<string, { command: string }[]>)) {
      for (const entry of entries) {
        assert.ok(declared.has(entry.command), `${menu} names undeclared ${entry.command}`);
      }
    }
  });

  it("do not reuse the server's command ids (vscode-languageclient registers those itself)", () => {
    const server = ["parsePaper", "scaffoldModel", "runTraining", "trainingStatus", "stopTraining", "applyFix"];
    for (const { command } of commands) {
      assert.ok(!server.map((s) => `mlintern.${s}`).includes(command), command);
    }
  });

  it("are registered by the extension", () => {
    const source = fs.readFileSync(path.join(ROOT, "src", "commands.ts"), "utf8");
    for (const { command } of commands) {
      assert.ok(source.includes(`"${command}"`), `${command} is contributed but not registered`);
    }
  });
});

describe("MCP registration", () => {
  it("declares the provider the code registers and an engine that has the API (1.101+)", () => {
    assert.deepEqual(manifest.contributes.mcpServerDefinitionProviders, [{ id: "mlintern.mcp", label: "mlintern" }]);
    const [major, minor] = String(manifest.engines.vscode).replace(/^\^/, "").split(".").map(Number);
    assert.ok(major > 1 || minor >= 101, manifest.engines.vscode);
    const source = fs.readFileSync(path.join(ROOT, "src", "mcp.ts"), "utf8");
    assert.ok(source.includes('"mlintern.mcp"'));
  });
});
