import { maskApplicantName } from './openness-mask.js';

describe('maskApplicantName (结果公示 rule)', () => {
  it('keeps the first and last character of a person', () => {
    expect(maskApplicantName('张三明', 'person')).toBe('张*明');
    expect(maskApplicantName('欧阳小明', 'person')).toBe('欧**明');
    expect(maskApplicantName('张三', 'person')).toBe('张*');
    expect(maskApplicantName('李', 'person')).toBe('*');
  });
  it('keeps the place and the organisation form of a company', () => {
    expect(maskApplicantName('广州市明日科技有限公司', 'company')).toBe('广州*****有限公司');
    expect(maskApplicantName('亳州市谯城区某某某某某某某某商贸有限公司', 'company')).toBe('亳州******有限公司');
    expect(maskApplicantName('某某公司', 'company')).toBe('某**司');
  });
  it('never returns the full name', () => {
    for (const n of ['王五', '赵六七', '深圳市腾飞网络科技有限责任公司']) {
      expect(maskApplicantName(n, 'person')).not.toBe(n);
      expect(maskApplicantName(n, 'company')).not.toBe(n);
    }
  });
});
