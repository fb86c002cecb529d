// The identifier checks identity applies at registration: one implementation in @hall/contracts.
export { checkCreditCode, checkIdNumber, normalizeCreditCode, normalizeIdNumber, ID_NUMBER_REASONS, CREDIT_CODE_REASONS, type CreditCodeProblem, type IdNumberProblem } from '@hall/contracts/identifiers';
