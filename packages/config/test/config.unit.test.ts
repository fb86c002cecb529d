import { loadConfig, ConfigError, Type, Vars } from '../src/index.js';

const schema = Type.Object({ DATABASE_URL: Vars.url(), PORT: Vars.port(3000), DEBUG: Vars.bool(false), ZONE: Vars.zone() });

describe('loadConfig', () => {
  it('converts and applies defaults', () => {
    const c = loadConfig(schema, { DATABASE_URL: 'postgres://x/y', PORT: '8080', ZONE: 'internet' });
    expect(c).toEqual({ DATABASE_URL: 'postgres://x/y', PORT: 8080, DEBUG: false, ZONE: 'internet' });
  });
  it('names a missing variable', () => {
    expect(() => loadConfig(schema, { ZONE: 'internet' })).toThrow(/DATABASE_URL is required/);
  });
  it('names a malformed variable with what it got', () => {
    try {
      loadConfig(schema, { DATABASE_URL: 'postgres://x', PORT: 'eighty', ZONE: 'mars' });
      throw new Error('should have failed');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['PORT', 'ZONE']);
      expect((e as Error).message).toContain('"eighty"');
    }
  });
});
