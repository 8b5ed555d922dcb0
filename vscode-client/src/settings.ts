// The `mlintern.*` settings, read into the initializationOptions the LSP server receives.
// Invalid values fall back to their defaults with a message, instead of failing the start.
// Pure module (no `vscode` import): the caller passes a getter over the configuration.

export type Brain = "auto" | "offline" | "anthropic";
export const BRAINS: readonly Brain[] = ["auto", "offline", "anthropic"];

/** Sent as `initializationOptions` (and with `workspace/didChangeConfiguration`); snake_case for Python. */
export interface ServerOptions {
  sandbox: boolean;
  brain: Brain;
  budget_minutes: number;
  max_usd: number;
  max_repairs: number;
}

export const DEFAULT_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  sandbox: true,
  brain: "auto",
  budget_minutes: 30,
  max_usd: 1,
  max_repairs: 3,
});

/** Reads one setting below `mlintern.` (e.g. `budget.minutes`); returns undefined when unset. */
export type SettingGetter = (key: string) => unknown;

export interface NumberRule {
  key: string;
  min: number;
  max: number;
  integer: boolean;
}

export const NUMBER_SETTINGS: Record<"budget_minutes" | "max_usd" | "max_repairs", NumberRule> = {
  budget_minutes: { key: "budget.minutes", min: 1, max: 1440, integer: false },
  max_usd: { key: "budget.maxUsd", min: 0, max: 1000, integer: false },
  max_repairs: { key: "budget.maxRepairs", min: 0, max: 10, integer: true },
};

export interface ParsedSettings {
  options: ServerOptions;
  /** One human-readable line per invalid setting that was replaced by its default. */
  problems: string[];
}

export function parseSettings(get: SettingGetter): ParsedSettings {
  const problems: string[] = [];
  const options: ServerOptions = { ...DEFAULT_OPTIONS };

  const sandbox = get("sandbox");
  if (typeof sandbox === "boolean") {
    options.sandbox = sandbox;
  } else if (sandbox !== undefined) {
    problems.push(`mlintern.sandbox must be true or false, not ${JSON.stringify(sandbox)}; using true.`);
  }

  const brain = get("brain");
  if (typeof brain === "string" && (BRAINS as readonly string[]).includes(brain)) {
    options.brain = brain as Brain;
  } else if (brain !== undefined) {
    problems.push(
      `mlintern.brain must be one of ${BRAINS.join(", ")}, not ${JSON.stringify(brain)}; using ${DEFAULT_OPTIONS.brain}.`,
    );
  }

  for (const [field, rule] of Object.entries(NUMBER_SETTINGS) as [keyof typeof NUMBER_SETTINGS, NumberRule][]) {
    const value = get(rule.key);
    if (value === undefined) {
      continue;
    }
    const valid =
      typeof value === "number" &&
      Number.isFinite(value) &&
      value >= rule.min &&
      value <= rule.max &&
      (!rule.integer || Number.isInteger(value));
    if (valid) {
      options[field] = value as number;
    } else {
      const kind = rule.integer ? "an integer" : "a number";
      problems.push(
        `mlintern.${rule.key} must be ${kind} from ${rule.min} to ${rule.max}, not ${JSON.stringify(value)}; ` +
          `using ${DEFAULT_OPTIONS[field]}.`,
      );
    }
  }
  return { options, problems };
}

/** The server's `initializationOptions`. mlintern's LSP server (lsp_convert.Options) knows sandbox, brain,
 *  budget_minutes, max_usd, max_repairs and python_path, and warns about any other key. */
export function initializationOptions(options: ServerOptions, pythonPath: string): Record<string, unknown> {
  return {
    sandbox: options.sandbox,
    brain: options.brain,
    budget_minutes: options.budget_minutes,
    max_usd: options.max_usd,
    max_repairs: options.max_repairs,
    python_path: pythonPath,
  };
}

/** Does a configuration change require restarting the server (it reads these only at start)? */
export const RESTART_SETTINGS = ["mlintern.pythonPath"];

/** The server process environment: the editor's, plus the Anthropic key from SecretStorage when set.
 *  The key goes only here; it is never written to settings or logged. */
export function serverEnvironment(
  base: NodeJS.ProcessEnv,
  apiKey: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[name] = value;
    }
  }
  env.PYTHONUNBUFFERED = "1";
  // The servers start as `python -m mlintern.server` in the opened folder: without a safe path, a
  // `mlintern/` package (or `json.py`) left there by generated training code would be imported on the host.
  env.PYTHONSAFEPATH = "1";
  if (apiKey) {
    env.ANTHROPIC_API_KEY = apiKey;
  }
  return env;
}

/** The same, for the MCP server definition: only what differs from VS Code's environment. */
export function mcpEnvironment(apiKey: string | undefined, workspaceFolder: string): Record<string, string> {
  const env: Record<string, string> = { PYTHONUNBUFFERED: "1", PYTHONSAFEPATH: "1", MLINTERN_WORKSPACE: workspaceFolder };
  if (apiKey) {
    env.ANTHROPIC_API_KEY = apiKey;
  }
  return env;
}

/** Hide secrets in anything that is logged (e.g. a command line echoed to the output channel). */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join("<redacted>") : text;
}
