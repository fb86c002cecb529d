/**
 * The registries' keys checked before they are stored or looked up. The checks and their Chinese
 * reasons (GB 11643 ID numbers, GB 32100 unified social credit codes) live in
 * @hall/contracts/identifiers, shared with identity.
 */
export { idNumberProblem, creditCodeProblem } from '@hall/contracts/identifiers';

/** The birth date encoded in a (valid) ID number, as YYYY-MM-DD. */
export const birthDateOf = (idNumber: string): string => `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
