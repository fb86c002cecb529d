/**
 * The data-exchange scopes (授权范围) an API client can be granted by identity. Every client
 * endpoint requires one; "detail" and "plain ID number" scopes widen what a response contains
 * (field-level minimisation, see minimise.ts). The descriptions appear in the OpenAPI document.
 */
export const SCOPES = {
  'certificate:verify': '核验电子证照：状态与签名是否有效',
  'certificate:read': '读取电子证照内容（含持证人姓名与证照数据）',
  'certificate:holder-lookup': '按持证人查询其电子证照（须说明合法用途）',
  'case:status': '按办件编号查询办件状态',
  'case:applicant': '办件状态中包含申请人姓名',
  'catalog:read': '读取已发布的事项目录',
  'basedata:population': '人口库：姓名、性别、出生日期',
  'basedata:population-detail': '人口库：另含民族、住址、行政区划',
  'basedata:enterprise': '法人库：名称、类型、登记状态、成立日期',
  'basedata:enterprise-detail': '法人库：另含法定代表人、注册资本、住所',
  'idnumber:plain': '身份证号码不打码（否则只显示前6位和后4位）',
} as const;

export type Scope = keyof typeof SCOPES;

export const hasScope = (scopes: readonly string[] | undefined, scope: Scope): boolean => !!scopes?.includes(scope);

/** What the exchange's own service token asks for: the scopes approval, certificate and catalog check. */
export const DOWNSTREAM_SCOPES: readonly Scope[] = ['certificate:verify', 'certificate:read', 'certificate:holder-lookup', 'case:status', 'case:applicant', 'catalog:read'];
