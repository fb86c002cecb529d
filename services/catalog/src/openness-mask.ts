/**
 * The masking rule of 结果公示 (public display of approval results): the public learns that a
 * decision was made and for whom, without the full name of a private person.
 *
 * - A person (自然人): the first and the last character stay, every character between becomes `*`;
 *   a two-character name keeps its first character: 张三 → 张*, 张三明 → 张*明, 欧阳小明 → 欧**明.
 * - A company or other organisation (法人): the first two characters (usually the place) and the
 *   last four (usually the organisation form, e.g. 有限公司) stay, the middle becomes `*` (at most
 *   six stars, so the length does not reveal the name); names of six characters or fewer keep only
 *   their first and last character.
 * Latin names are masked the same way, per character (spaces kept).
 */
export function maskApplicantName(name: string, kind: 'person' | 'company'): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '*';
  if (chars.length === 1) return '*';
  const star = (c: string) => (c === ' ' ? ' ' : '*');
  if (kind === 'company' && chars.length > 6) {
    const middle = chars.slice(2, -4).map(star).join('');
    return chars.slice(0, 2).join('') + middle.slice(0, 6) + chars.slice(-4).join('');
  }
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + chars.slice(1, -1).map(star).join('') + chars[chars.length - 1];
}
