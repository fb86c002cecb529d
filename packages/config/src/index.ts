/**
 * Configuration: the environment is read once, validated against a TypeBox schema and typed.
 * A missing or malformed variable stops the process with a message naming the variable,
 * so that an operator sees "DATABASE_URL is required" rather than a crash ten calls later.
 */
import { Type, type TObject, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export { Type };

export class ConfigError extends Error {
  constructor(public readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable} ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the variables named by the schema's keys from `env`, converts and validates them. */
export function loadConfig<T extends TObject>(schema: T, env: Record<string, string | undefined> = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const withDefaults = Value.Default(schema, raw) as Record<string, unknown>;
  const converted = Value.Convert(schema, withDefaults) as Record<string, unknown>;
  const problems: { variable: string; message: string }[] = [];
  for (const error of Value.Errors(schema, converted)) {
    const variable = error.path.replace(/^\//, '').split('/')[0] || '(root)';
    if (problems.some((p) => p.variable === variable)) continue;
    const present = converted[variable] !== undefined;
    problems.push({ variable, message: present ? `is invalid (${error.message}; got ${JSON.stringify(env[variable])})` : 'is required' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return converted as Static<T>;
}

/** As loadConfig, but prints the problem and exits with status 78 (EX_CONFIG) on failure. */
export function loadConfigOrExit<T extends TObject>(schema: T, env: Record<string, string | undefined> = process.env): Static<T> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** Reusable variable definitions, so every service spells them the same way. */
export const Vars = {
  port: (def = 0) => Type.Integer({ minimum: 0, maximum: 65535, default: def }),
  host: () => Type.String({ default: '127.0.0.1', minLength: 1 }),
  url: (opts: { default?: string } = {}) => Type.String({ pattern: '^[a-z][a-z0-9+.-]*://', ...opts }),
  logLevel: () => Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')], { default: 'info' }),
  zone: () => Type.Union([Type.Literal('internet'), Type.Literal('extranet')]),
  bool: (def: boolean) => Type.Boolean({ default: def }),
  int: (def: number, min = 0) => Type.Integer({ default: def, minimum: min }),
  secret: () => Type.String({ minLength: 1 }),
} satisfies Record<string, (...args: never[]) => TSchema>;
