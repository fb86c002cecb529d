import { maskIdNumber, idNumberFor, pickFields } from './minimise.js';

describe('minimise', () => {
  it('should mask an ID number to its region and last four characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });

  it('should show the plain ID number only with idnumber:plain', () => {
    expect(idNumberFor(['basedata:population'], '11010519491231002X')).toBe('110105********002X');
    expect(idNumberFor(['idnumber:plain'], '11010519491231002X')).toBe('11010519491231002X');
  });

  it('should drop the fields whose condition is false', () => {
    expect(pickFields({ a: 1, b: 2, c: 3 }, { b: false, c: true })).toEqual({ a: 1, c: 3 });
  });
});
