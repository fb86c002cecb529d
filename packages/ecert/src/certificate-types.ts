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
  /** The departments (issuer records) that issue this type; absent or empty: any department with an issuer record. */
  issuers?: string[];
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
  'food-production-license': {
    typeCode: '12100000000043', name: '食品生产许可证', holderKind: 'legal_person', validityYears: 5,
    schema: obj([], { companyName: str, foodCategories: str }),
    template: [['companyName', '生产者名称'], ['foodCategories', '食品类别'], ['applicantName', '经办人']],
  },
  'construction-permit': {
    typeCode: '12100000000070', name: '建筑工程施工许可证', holderKind: 'legal_person',
    schema: obj([], { projectName: str, projectAddress: str, contractPrice: { type: 'integer', minimum: 0 } }),
    template: [['projectName', '工程名称'], ['projectAddress', '建设地址'], ['contractPrice', '合同价格（万元）'], ['applicantName', '经办人']],
  },
  'eia-approval': {
    typeCode: '12100000000081', name: '建设项目环境影响评价文件批复', holderKind: 'legal_person',
    schema: obj([], { projectName: str, projectAddress: str, investment: { type: 'integer', minimum: 0 } }),
    template: [['itemName', '审批事项'], ['projectName', '建设项目名称'], ['projectAddress', '建设地点'], ['investment', '总投资（万元）']],
  },
  'land-planning-permit': {
    typeCode: '12100000000072', name: '建设用地规划许可证', holderKind: 'legal_person',
    schema: obj([], { projectName: str, landArea: { type: 'integer', minimum: 0 } }),
    template: [['projectName', '项目名称'], ['landArea', '用地面积（平方米）']],
  },
  'road-transport-license': {
    typeCode: '12100000000090', name: '道路运输经营许可证', holderKind: 'legal_person', validityYears: 4,
    schema: obj([], { companyName: str, vehicles: { type: 'integer', minimum: 0 } }),
    template: [['companyName', '经营者名称'], ['vehicles', '客车数量']],
  },
  'social-organization-certificate': {
    typeCode: '12100000000110', name: '社会团体法人登记证书', holderKind: 'legal_person', validityYears: 5,
    schema: obj([], { organizationName: str, members: { type: 'integer', minimum: 0 } }),
    template: [['organizationName', '名称'], ['members', '会员数']],
  },
  'disability-bus-pass': {
    typeCode: '11100000000028', name: '残疾人优惠乘车证', holderKind: 'person', validityYears: 5,
    schema: obj([], { disabilityCertNo: str }),
    template: [['applicantName', '姓名'], ['disabilityCertNo', '残疾人证号']],
  },
  'professional-title-certificate': {
    typeCode: '11100000000040', name: '专业技术资格证书', holderKind: 'person',
    schema: obj([], { employer: str, series: str, yearsInField: { type: 'integer', minimum: 0 } }),
    template: [['applicantName', '姓名'], ['employer', '工作单位'], ['series', '评审系列']],
  },
  'hk-macao-permit': {
    typeCode: '11100000000011', name: '往来港澳通行证', holderKind: 'person', validityYears: 10,
    schema: obj([], { destination: str, endorsementType: str }),
    template: [['applicantName', '姓名'], ['destination', '前往地'], ['endorsementType', '签注种类']],
  },
  'residence-permit': {
    typeCode: '11100000000009', name: '居住证', holderKind: 'person',
    schema: obj([], { residenceAddress: str, residenceSince: str }),
    template: [['applicantName', '姓名'], ['residenceAddress', '居住地址'], ['residenceSince', '居住起始日期']],
  },
};
