import { DEMO_CERTIFICATE_TYPES } from '@hall/ecert';
import { DEMO_CATALOG, demoIssuers, demoTypeIssuers } from './demo-catalog.js';

describe('demo catalog', () => {
  it('should define every certificate type a demo item issues, naming its issuing departments', () => {
    const issuing = DEMO_CATALOG.filter((i) => i.certificateType);
    const types = demoTypeIssuers();
    for (const i of issuing) {
      expect([i.code, DEMO_CERTIFICATE_TYPES[i.certificateType!] ? i.certificateType : undefined]).toEqual([i.code, i.certificateType]);
      expect(types[i.certificateType!]).toContain(i.department);
    }
  });

  it('should have an issuer record with a unified social credit code for every issuing department', () => {
    const issuers = demoIssuers();
    const departments = new Set(DEMO_CATALOG.filter((i) => i.certificateType).map((i) => i.department));
    expect(issuers.map((x) => x.department).sort()).toEqual([...departments].sort());
    for (const x of issuers) expect(x.creditCode).toMatch(/^[0-9A-HJ-NPQRTUWXY]{18}$/);
    expect(new Set(issuers.map((x) => x.creditCode)).size).toBe(issuers.length);
  });
});
