// The identifier checks identity applies at registration: one implementation in @hall/contracts.
export { checkCreditCode, checkIdNumber, normalizeCreditCode, normalizeIdNumber, type CreditCodeProblem, type IdNumberProblem } from '@hall/contracts/identifiers';
