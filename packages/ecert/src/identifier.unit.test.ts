import { certificateIdentifier, isValidIdentifier, mod3736 } from './identifier.js';

describe('GB/T 36904 identifier', () => {
  it('matches the published ISO/IEC 7064 MOD 37,36 known answers', () => {
    // ISO/IEC 7064 example (also python-stdnum's iso7064.mod_37_36): A12425GABC1234002 → M.
    expect(mod3736('A12425GABC1234002')).toBe('M');
    // Separators do not count: the same characters with dots give the same check character.
    expect(mod3736('A1.2425.GABC.1234002')).toBe('M');
    expect(isValidIdentifier('1.2.156.3005.2.11100000000017.11341621003000001X.000042.1.' + mod3736('1.2.156.3005.2.11100000000017.11341621003000001X.000042.1'))).toBe(true);
  });
  it('appends a MOD 37,36 check character that a verifier can recompute', () => {
    const id = certificateIdentifier('11100000000017', '11341621003000001X', 42);
    expect(id).toMatch(/^1\.2\.156\.3005\.2\.11100000000017\.11341621003000001X\.000042\.1\.[0-9A-Z]$/);
    expect(isValidIdentifier(id)).toBe(true);
  });
  it('detects a single changed character and an adjacent swap', () => {
    const id = certificateIdentifier('11100000000017', '11341621003000001X', 42);
    expect(isValidIdentifier(id.replace('000042', '000043'))).toBe(false);
    expect(isValidIdentifier(id.replace('000042', '000024'))).toBe(false);
  });
  it('satisfies the ISO 7064 hybrid property: (P_n + check) mod 36 = 1', () => {
    const A = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (const body of ['0', 'A1B2C3', '1.2.156.3005.2.X.Y.000001.1']) {
      let p = 36;
      for (const ch of body.toUpperCase()) {
        const v = A.indexOf(ch);
        if (v < 0) continue;
        const s = ((p % 37) + v) % 36;
        p = ((s === 0 ? 36 : s) * 2) % 37;
      }
      expect((p + A.indexOf(mod3736(body))) % 36).toBe(1);
    }
  });
});
