/**
 * E-certificate identifiers in the GB/T 36904 form:
 *   1.2.156.3005.2.{type code}.{issuer credit code}.{serial}.{version}.{check char}
 * The check character is ISO 7064 MOD 37,36 (hybrid system, M = 36) over the alphanumeric
 * characters of everything before it (dots are separators and do not count).
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 36;

export function mod3736(input: string): string {
  let p = M;
  for (const ch of input.toUpperCase()) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) continue;
    let s = (p % (M + 1)) + v;
    s %= M;
    if (s === 0) s = M;
    p = (s * 2) % (M + 1);
  }
  return ALPHABET[(M + 1 - p) % M]!;
}

/** True when the check character matches; used by verifiers before any lookup. */
export function isValidIdentifier(id: string): boolean {
  const cut = id.lastIndexOf('.');
  return id.startsWith('1.2.156.3005.2.') && cut > 0 && mod3736(id.slice(0, cut)) === id.slice(cut + 1);
}

export function certificateIdentifier(typeCode: string, issuerCreditCode: string, serial: number, version = 1): string {
  const body = `1.2.156.3005.2.${typeCode}.${issuerCreditCode}.${String(serial).padStart(6, '0')}.${version}`;
  return `${body}.${mod3736(body)}`;
}
