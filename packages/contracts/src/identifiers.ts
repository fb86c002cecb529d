/**
 * Check characters of the two identifiers people and companies are known by, for every service
 * that accepts them: the citizen ID number (居民身份证号码, GB 11643-1999, ISO 7064 MOD 11-2) and
 * the unified social credit code of legal persons (统一社会信用代码, GB 32100-2015, MOD 31 over
 * its own 31-character alphabet). Both answer a reason code, so a 400 can say which part is wrong.
 */

export type IdNumberProblem = 'format' | 'region' | 'birth_date' | 'check_digit';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
/** First two digits: provinces and SARs of GB/T 2260 (11 北京 … 82 澳门). */
const PROVINCES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82']);

/** The GB 11643 check character for the first 17 digits. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** Upper-cases a trailing x; anything else is left for validation to judge. */
export const normalizeIdNumber = (value: string): string => value.trim().toUpperCase();

export function checkIdNumber(value: string, today: Date = new Date()): IdNumberProblem | null {
  const v = normalizeIdNumber(value);
  if (!/^\d{17}[\dX]$/.test(v)) return 'format';
  if (!PROVINCES.has(v.slice(0, 2))) return 'region';
  const y = Number(v.slice(6, 10)), m = Number(v.slice(10, 12)), d = Number(v.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1800 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || birth.getTime() > today.getTime()) return 'birth_date';
  if (idNumberCheckChar(v.slice(0, 17)) !== v[17]) return 'check_digit';
  return null;
}

export type CreditCodeProblem = 'format' | 'check_char';

/** GB 32100 alphabet: digits and capitals without I, O, S, V, Z. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100 check character for the first 17 characters. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_CHARS[(31 - (sum % 31)) % 31]!;
}

export const normalizeCreditCode = (value: string): string => value.trim().toUpperCase();

export function checkCreditCode(value: string): CreditCodeProblem | null {
  const v = normalizeCreditCode(value);
  // Position 1: registration authority (1 机构编制, 5 民政, 9 工商, Y 其他 …); 3–8: division code.
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(v)) return 'format';
  if (creditCodeCheckChar(v.slice(0, 17)) !== v[17]) return 'check_char';
  return null;
}

/** Why an ID number is refused, in the words applicants and clerks read (one wording platform-wide). */
export const ID_NUMBER_REASONS: Record<IdNumberProblem, string> = {
  format: '身份证号码应为18位，前17位为数字，末位为数字或X',
  region: '身份证号码的省级行政区划代码无效',
  birth_date: '身份证号码中的出生日期无效',
  check_digit: '身份证号码校验位不正确',
};

/** Why a unified social credit code is refused. */
export const CREDIT_CODE_REASONS: Record<CreditCodeProblem, string> = {
  format: '统一社会信用代码应为18位，由数字和大写字母（不含I、O、Z、S、V）组成',
  check_char: '统一社会信用代码校验位不正确',
};

/** Why an ID number is not valid, or null when it is. */
export function idNumberProblem(value: string): string | null {
  const p = checkIdNumber(value);
  return p ? ID_NUMBER_REASONS[p] : null;
}

/** Why a unified social credit code is not valid, or null when it is. */
export function creditCodeProblem(value: string): string | null {
  const p = checkCreditCode(value);
  return p ? CREDIT_CODE_REASONS[p] : null;
}
