/**
 * The demo item: 生育登记 (birth registration, issuing the 生育服务证) at the Guoyang county hall,
 * from the Bozhou case (a villager of 义门镇陶庄村 applied online "in under ten minutes").
 */
import type { ItemInput } from './item-input.js';

export const BIRTH_REGISTRATION = {
  code: '340621-WJW-XZQR-001',
  version: 1,
  implementationCode: '11341621003175082A4340621001',
  name: '生育登记（生育服务证办理）',
  powerType: '行政确认',
  department: 'gy-wjw',
  departmentName: '涡阳县卫生健康委员会',
  hall: '涡阳县网上办事大厅',
  level: '县区',
  promisedDays: 5,
  statutoryDays: 20,
  kind: 'promised',
  online: true,
  visits: 0,
  certificateType: 'birth-service-certificate',
  keywords: ['生育证', '准生证', '生育服务证', '计划生育'],
  guide: {
    legalBasis: '《安徽省人口与计划生育条例》',
    conditions: '夫妻双方至少一方户籍在本县，符合法律法规规定的生育条件',
    procedure: '网上申报 → 窗口受理 → 审查审批 → 办结发证',
    place: '涡阳县政务服务中心卫健委窗口',
    contact: '0558-7000000',
    hours: '工作日 8:30-12:00，14:30-17:30（网上申报全天候）',
    timeLimit: '法定20个工作日，承诺5个工作日',
    fees: '不收费',
    visits: '无需上门',
    kind: '承诺件',
  },
  formSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['applicantName', 'spouseName', 'marriageDate', 'existingChildren', 'address', 'phone'],
    properties: {
      applicantName: { type: 'string', minLength: 2, maxLength: 30, title: '申请人姓名' },
      spouseName: { type: 'string', minLength: 2, maxLength: 30, title: '配偶姓名' },
      marriageDate: { type: 'string', format: 'date', title: '结婚登记日期' },
      existingChildren: { type: 'integer', minimum: 0, maximum: 10, title: '现有子女数' },
      address: { type: 'string', minLength: 4, maxLength: 200, title: '户籍地址' },
      phone: { type: 'string', pattern: '^1[3-9]\\d{9}$', title: '联系电话' },
    },
    'x-ui': { order: ['applicantName', 'spouseName', 'marriageDate', 'existingChildren', 'address', 'phone'], help: { phone: '用于接收办理进度短信' } },
  },
  materials: [
    { code: 'marriage-certificate', name: '结婚证', required: true, allowedTypes: ['application/pdf', 'image/jpeg', 'image/png'], maxSizeBytes: 10 * 1024 * 1024, form: 'copy', eCertificateType: 'marriage-certificate' },
    { code: 'household-register', name: '户口簿（可由电子证照库调取）', required: false, allowedTypes: ['application/pdf', 'image/jpeg', 'image/png'], maxSizeBytes: 10 * 1024 * 1024, form: 'copy', eCertificateType: 'household-register' },
  ],
  workflow: {
    steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
      { key: 'approve', name: '审批', position: 'approval', limitDays: 2 },
      { key: 'complete', name: '办结', position: 'system', limitDays: 0 },
    ],
  },
} satisfies ItemInput & { version: number };
