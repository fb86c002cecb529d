/**
 * The registries' keys checked before they are stored or looked up, with the reasons in Chinese
 * for import reports and 400 answers. The check characters themselves (GB 11643 ID numbers,
 * GB 32100 unified social credit codes) live in @hall/contracts/identifiers, shared with identity.
 */
import { checkCreditCode, checkIdNumber, type CreditCodeProblem, type IdNumberProblem } from '@hall/contracts/identifiers';

const ID_REASONS: Record<IdNumberProblem, string> = {
  format: '身份证号码应为18位，前17位为数字，末位为数字或X',
  region: '身份证号码的省级行政区划代码无效',
  birth_date: '身份证号码中的出生日期无效',
  check_digit: '身份证号码校验位不正确',
};

const CREDIT_CODE_REASONS: Record<CreditCodeProblem, string> = {
  format: '统一社会信用代码应为18位，由数字和大写字母（不含I、O、Z、S、V）组成',
  check_char: '统一社会信用代码校验位不正确',
};

/** Why an ID number is not valid, or null when it is. */
export function idNumberProblem(value: string): string | null {
  const p = checkIdNumber(value);
  return p ? ID_REASONS[p] : null;
}

/** Why a unified social credit code is not valid, or null when it is. */
export function creditCodeProblem(value: string): string | null {
  const p = checkCreditCode(value);
  return p ? CREDIT_CODE_REASONS[p] : null;
}

/** The birth date encoded in a (valid) ID number, as YYYY-MM-DD. */
export const birthDateOf = (idNumber: string): string => `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
