import { idNumberProblem, creditCodeProblem, birthDateOf } from './check-digits.js';

describe('registry key checks', () => {
  it('should accept valid keys and read the birth date from an ID number', () => {
    expect(idNumberProblem('11010519491231002X')).toBeNull();
    expect(idNumberProblem('11010519491231002x')).toBeNull();
    expect(birthDateOf('11010519491231002X')).toBe('1949-12-31');
    expect(creditCodeProblem('91350100M000100Y43')).toBeNull();
  });

  it('should give the reason in Chinese for each kind of bad ID number', () => {
    expect(idNumberProblem('110105194912310021')).toBe('身份证号码校验位不正确');
    expect(idNumberProblem('110105194902300025')).toBe('身份证号码中的出生日期无效');
    expect(idNumberProblem('990105194912310021')).toBe('身份证号码的省级行政区划代码无效');
    expect(idNumberProblem('1101051949123100')).toMatch(/18位/);
  });

  it('should give the reason in Chinese for each kind of bad credit code', () => {
    expect(creditCodeProblem('91350100M000100Y44')).toBe('统一社会信用代码校验位不正确');
    expect(creditCodeProblem('91350100M000100I43')).toMatch(/18位/);
  });
});
