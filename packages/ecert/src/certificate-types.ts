/**
 * The demo certificate types (证照类型) of the types the demo catalog's items issue or accept:
 * GB/T 36904 type code, name, validity, holder kind, the JSON Schema of the issuance data and the
 * PDF template. The catalog seeds its definitions from these and publishes them
 * (catalog.certificate-type.published); the certificate service falls back to them only for a type
 * no publication has reached yet. One copy, shared by both services.
 */
export interface CertificateTypeDef {
  typeCode: string;
  name: string;
  /** Validity in years from issuance; absent: valid until revoked (长期). */
  validityYears?: number;
  /** Holder kind: a natural person or a legal person (法人). */
  holderKind: 'person' | 'legal_person';
  /** JSON Schema of the data; additional fields are kept (items carry their own forms). */
  schema: Record<string, unknown>;
  /** Template: [data field, label] rows of the PDF, in order. */
  template: [string, string][];
}

const obj = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', required, properties, additionalProperties: true });
const str = { type: 'string', maxLength: 500 };

export const DEMO_CERTIFICATE_TYPES: Record<string, CertificateTypeDef> = {
  'birth-service-certificate': {
    typeCode: '11100000000017', name: '生育服务证', holderKind: 'person',
    schema: obj([], { applicantName: str, spouseName: str, marriageDate: str, existingChildren: { type: 'integer', minimum: 0 }, address: str }),
    template: [['itemName', '办理事项'], ['applicantName', '申请人'], ['spouseName', '配偶'], ['marriageDate', '结婚登记日期'], ['existingChildren', '现有子女数'], ['address', '户籍地址'], ['女方姓名', '女方姓名'], ['男方姓名', '男方姓名'], ['孩次', '孩次']],
  },
  'marriage-certificate': {
    typeCode: '11100000000013', name: '结婚证', holderKind: 'person',
    schema: obj(['applicantName', 'spouseName'], { applicantName: str, spouseName: str }),
    template: [['applicantName', '持证人'], ['spouseName', '配偶'], ['registrationDate', '登记日期']],
  },
  'household-register': {
    typeCode: '11100000000007', name: '居民户口簿', holderKind: 'person',
    schema: obj([], { address: str }),
    template: [['applicantName', '户主'], ['address', '住址']],
  },
  'only-child-honor-certificate': {
    typeCode: '11100000000018', name: '独生子女父母光荣证', holderKind: 'person',
    schema: obj([], { spouseName: str }),
    template: [['applicantName', '持证人'], ['spouseName', '配偶'], ['childName', '子女姓名']],
  },
  'disability-certificate': {
    typeCode: '11100000000027', name: '中华人民共和国残疾人证', holderKind: 'person', validityYears: 10,
    schema: obj([], { disabilityCategory: str, disabilityLevel: str }),
    template: [['applicantName', '姓名'], ['disabilityCategory', '残疾类别'], ['disabilityLevel', '残疾等级']],
  },
  'business-license': {
    typeCode: '12100000000001', name: '营业执照', holderKind: 'legal_person',
    schema: obj([], { companyName: str, tradeName: str }),
    template: [['companyName', '名称'], ['tradeName', '字号'], ['legalRepresentative', '法定代表人'], ['premises', '经营场所']],
  },
  'medical-institution-license': {
    typeCode: '12100000000060', name: '医疗机构执业许可证', holderKind: 'legal_person', validityYears: 5,
    schema: obj([], { institutionName: str, address: str }),
    template: [['itemName', '办理事项'], ['institutionName', '机构名称'], ['address', '地址'], ['applicantName', '经办人']],
  },
  'food-business-license': {
    typeCode: '12100000000042', name: '食品经营许可证', holderKind: 'legal_person', validityYears: 5,
    schema: obj([], { tradeName: str, premises: str, foodCategories: str }),
    template: [['tradeName', '经营者名称'], ['premises', '经营场所'], ['foodCategories', '经营项目']],
  },
};
