import { checkCreditCode, checkIdNumber, creditCodeCheckChar, idNumberCheckChar } from './identifiers.js';

describe('GB 11643 citizen ID number', () => {
  it.each([
    ['11010519491231002X', 'X'], // the standard's own example
    ['341621199203150020', '0'],
    ['341621197511230015', '5'],
    ['440524188001010014', '4'],
  ])('computes the check character of %s', (id, check) => {
    expect(idNumberCheckChar(id.slice(0, 17))).toBe(check);
    expect(checkIdNumber(id)).toBeNull();
  });

  it('accepts a lower-case x', () => expect(checkIdNumber('11010519491231002x')).toBeNull());

  it.each([
    ['110105194912310021', 'check_digit'],
    ['11010519491231002', 'format'],
    ['1101051949123100211', 'format'],
    ['11010519491231002Y', 'format'],
    ["110105'; DROP TABLE", 'format'],
    ['991105194912310021', 'region'],
    ['110105194902300026', 'birth_date'],
    ['110105299901010020', 'birth_date'],
  ])('refuses %s (%s)', (id, reason) => expect(checkIdNumber(id)).toBe(reason));
});

describe('GB 32100 unified social credit code', () => {
  it.each([
    ['91350100M000100Y43', '3'],
    ['91440300708461136T', 'T'],
    ['91341621MA2T5CXK09', '9'],
  ])('computes the check character of %s', (code, check) => {
    expect(creditCodeCheckChar(code.slice(0, 17))).toBe(check);
    expect(checkCreditCode(code)).toBeNull();
  });

  it.each([
    ['91350100M000100Y44', 'check_char'],
    ['91350100M000100Y4', 'format'],
    ['91350100M000100YI3', 'format'], // I is not in the alphabet
    ['9135010OM000100Y43', 'format'],
    ['<script>alert(1)</s', 'format'],
  ])('refuses %s (%s)', (code, reason) => expect(checkCreditCode(code)).toBe(reason));
});
