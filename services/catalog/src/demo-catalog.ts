/**
 * The demo catalog: two halls from the seeds' case studies — the Guoyang county hall of the Bozhou
 * online hall (涡阳县网上办事大厅, 县区) and the Zhuhai city hall (珠海市网上办事大厅, 市) — with the
 * items those cases name: 生育证 and 独生子女父母光荣证, marriage registration, 残疾人证 and its
 * allowances (Guangzhou), 营业执照, 专业技术人员资格评审 (Guangzhou 人社局), 限价房申购资格预审,
 * exit-entry permits, and 建设项目环境影响评价 with parallel approval (并联审批, Xiangzhou).
 */
import type { MaterialSpec, WorkflowStepSpec } from '@hall/contracts';
import type { ItemInput } from './item-input.js';
import { BIRTH_REGISTRATION } from './demo-items.js';

const IMG = ['application/pdf', 'image/jpeg', 'image/png'];
const MB = 1024 * 1024;

interface Hall { name: string; level: ItemInput['level']; place: (dept: string) => string; contact: string; hours: string; prefix: string }
const GUOYANG: Hall = { name: '涡阳县网上办事大厅', level: '县区', place: (d) => `涡阳县政务服务中心${d}窗口`, contact: '0558-12345', hours: '工作日 8:30-12:00，14:30-17:30（网上申报全天候）', prefix: 'gy' };
const ZHUHAI: Hall = { name: '珠海市网上办事大厅', level: '市', place: (d) => `珠海市行政服务中心${d}窗口`, contact: '0756-12345', hours: '工作日 9:00-12:00，14:00-17:30（网上申报全天候）', prefix: 'zh' };

type Field = [key: string, title: string, kind?: 'date' | 'int' | 'phone' | 'id' | 'text'];
type Material = [code: string, name: string, required: boolean, form?: MaterialSpec['form'], eCertificateType?: string];
interface Spec {
  hall: Hall; code: string; name: string; powerType: ItemInput['powerType']; dept: [code: string, name: string];
  promised: number; statutory: number; visits?: 0 | 1 | 2; online?: boolean; cert?: string; keywords?: string[];
  legalBasis: string; conditions: string; fees?: string; fields: Field[]; materials: Material[]; steps?: WorkflowStepSpec[];
}

const FIELD_SCHEMA: Record<NonNullable<Field[2]>, Record<string, unknown>> = {
  text: { type: 'string', minLength: 1, maxLength: 200 },
  date: { type: 'string', format: 'date' },
  int: { type: 'integer', minimum: 0, maximum: 100000 },
  phone: { type: 'string', pattern: '^1[3-9]\\d{9}$' },
  id: { type: 'string', pattern: '^\\d{17}[\\dX]$' },
};

/** 受理 → 审查 → 决定 → 办结, the limits sharing out the promised days; 即办件: 受理 → 办结 on the spot. */
export function defaultSteps(promised: number): WorkflowStepSpec[] {
  if (promised === 0) return [{ key: 'accept', name: '受理', position: 'acceptance', limitDays: 0 }, { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 }];
  const accept = 1, review = Math.floor((promised - 1) / 2), decide = promised - 1 - review;
  return [
    { key: 'accept', name: '受理', position: 'acceptance', limitDays: accept },
    ...(review > 0 ? [{ key: 'review', name: '审查', position: 'review', limitDays: review }] : []),
    ...(decide > 0 ? [{ key: 'decide', name: '决定', position: 'approval', limitDays: decide }] : []),
    { key: 'complete', name: '办结', position: 'delivery', limitDays: 0 },
  ];
}

function build(s: Spec): ItemInput {
  const kind = s.promised === 0 ? 'immediate' : 'promised';
  const visits = s.visits ?? 0;
  const fields: Field[] = [['applicantName', '申请人姓名'], ['idNumber', '身份证号码', 'id'], ...s.fields, ['phone', '联系电话', 'phone']];
  return {
    code: s.code, name: s.name, powerType: s.powerType, department: s.dept[0], departmentName: s.dept[1], hall: s.hall.name, level: s.hall.level,
    promisedDays: s.promised, statutoryDays: s.statutory, kind, online: s.online ?? true, visits,
    ...(s.cert ? { certificateType: s.cert } : {}), keywords: s.keywords ?? [],
    guide: {
      legalBasis: s.legalBasis, conditions: s.conditions,
      procedure: kind === 'immediate' ? '网上预约或现场申请 → 窗口受理 → 当场办结' : '网上申报 → 窗口受理 → 审查 → 决定 → 办结送达',
      place: s.hall.place(s.dept[1].replace(/^(涡阳县|珠海市)/, '')), contact: s.hall.contact, hours: s.hall.hours,
      timeLimit: kind === 'immediate' ? '即办件，当场办结' : `法定${s.statutory}个工作日，承诺${s.promised}个工作日`,
      fees: s.fees ?? '不收费', visits: ['无需上门', '一次上门', '两次上门'][visits]!, kind: kind === 'immediate' ? '即办件' : '承诺件',
    },
    formSchema: {
      type: 'object', additionalProperties: false, required: fields.map((f) => f[0]),
      properties: Object.fromEntries(fields.map(([k, title, t]) => [k, { ...FIELD_SCHEMA[t ?? 'text'], title }])),
      'x-ui': { order: fields.map((f) => f[0]), help: { phone: '用于接收办理进度短信', idNumber: '18位居民身份证号码' } },
    },
    materials: s.materials.map(([code, name, required, form, eCertificateType]) => ({ code, name, required, allowedTypes: IMG, maxSizeBytes: 10 * MB, form: form ?? 'copy', ...(eCertificateType ? { eCertificateType } : {}) })),
    workflow: { steps: s.steps ?? defaultSteps(s.promised) },
  };
}

const ID: Material = ['id-card', '申请人居民身份证', true, 'copy', 'resident-id-card'];
const HH: Material = ['household-register', '户口簿', true, 'copy', 'household-register'];
const PHOTO: Material = ['photo', '近期免冠两寸彩色照片', true, 'original'];

const G = { wjw: ['gy-wjw', '涡阳县卫生健康委员会'], mzj: ['gy-mzj', '涡阳县民政局'], cl: ['gy-cl', '涡阳县残疾人联合会'], scj: ['gy-scj', '涡阳县市场监督管理局'], rsj: ['gy-rsj', '涡阳县人力资源和社会保障局'], zjj: ['gy-zjj', '涡阳县住房和城乡建设局'], sthj: ['gy-sthj', '亳州市涡阳县生态环境分局'], zrzy: ['gy-zrzy', '涡阳县自然资源和规划局'], slj: ['gy-slj', '涡阳县水利局'], fgw: ['gy-fgw', '涡阳县发展和改革委员会'], jyj: ['gy-jyj', '涡阳县教育局'] } as const satisfies Record<string, [string, string]>;
const Z = { rsj: ['zh-rsj', '珠海市人力资源和社会保障局'], gaj: ['zh-gaj', '珠海市公安局'], zjj: ['zh-zjj', '珠海市住房和城乡建设局'], scj: ['zh-scj', '珠海市市场监督管理局'], sw: ['zh-sw', '国家税务总局珠海市税务局'], sthj: ['zh-sthj', '珠海市生态环境局'], zrzy: ['zh-zrzy', '珠海市自然资源局'], sw2: ['zh-swj', '珠海市水务局'], wjj: ['zh-wjj', '珠海市卫生健康局'], mzj: ['zh-mzj', '珠海市民政局'], cl: ['zh-cl', '珠海市残疾人联合会'], gjj: ['zh-gjj', '珠海市住房公积金管理中心'], jtj: ['zh-jtj', '珠海市交通运输局'] } as const satisfies Record<string, [string, string]>;
const d = (x: readonly [string, string]): [string, string] => [x[0], x[1]];

/** 建设项目环境影响评价: accepted by the environment bureau, opinions from planning and water in parallel, joined for the decision. */
const eiaSteps = (own: readonly [string, string], planning: readonly [string, string], water: readonly [string, string], days: number): WorkflowStepSpec[] => [
  { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1, next: ['review', 'planning-opinion', 'water-opinion'] },
  { key: 'review', name: '技术审查', position: 'review', limitDays: days - 4, next: ['decide'] },
  { key: 'planning-opinion', name: '规划选址意见', position: 'review', department: planning[0], departmentName: planning[1], limitDays: Math.min(5, days - 4), next: ['decide'] },
  { key: 'water-opinion', name: '水土保持意见', position: 'review', department: water[0], departmentName: water[1], limitDays: Math.min(5, days - 4), next: ['decide'] },
  { key: 'decide', name: '审批决定', position: 'approval', department: own[0], departmentName: own[1], limitDays: 2, join: true, next: ['complete'] },
  { key: 'complete', name: '办结', position: 'delivery', limitDays: 1 },
];

const SPECS: Spec[] = [
  // —— 涡阳县网上办事大厅 (Bozhou case) ——
  { hall: GUOYANG, code: '340621-WJW-XZQR-002', name: '再生育登记', powerType: '行政确认', dept: d(G.wjw), promised: 5, statutory: 20, cert: 'birth-service-certificate', keywords: ['二孩', '三孩', '生育证'],
    legalBasis: '《安徽省人口与计划生育条例》', conditions: '已生育子女、依法申请再生育的夫妻，一方户籍在本县', fields: [['spouseName', '配偶姓名'], ['existingChildren', '现有子女数', 'int']], materials: [ID, ['marriage-certificate', '结婚证', true, 'copy', 'marriage-certificate'], ['children-birth', '现有子女出生医学证明', true, 'copy', 'birth-medical-certificate']] },
  { hall: GUOYANG, code: '340621-WJW-GGFW-003', name: '独生子女父母光荣证办理', powerType: '为民服务', dept: d(G.wjw), promised: 10, statutory: 20, cert: 'only-child-honor-certificate', keywords: ['光荣证', '独生子女'],
    legalBasis: '《安徽省人口与计划生育条例》第三十八条', conditions: '只生育一个子女并自愿不再生育的夫妻', fields: [['spouseName', '配偶姓名'], ['childName', '子女姓名']], materials: [ID, HH, ['only-child-pledge', '不再生育承诺书', true, 'original']] },
  // Issue 13's fee example: a payment step (网上缴费) after the decision; the fee is read from 收费标准.
  { hall: GUOYANG, code: '340621-WJW-GGFW-007', name: '出生医学证明补发', powerType: '为民服务', dept: d(G.wjw), promised: 5, statutory: 20, keywords: ['出生医学证明', '出生证', '补发'],
    legalBasis: '《中华人民共和国母婴保健法》第二十三条；《出生医学证明管理办法》', conditions: '出生医学证明遗失或严重损毁，新生儿父母或监护人申请补发',
    fees: '出生医学证明补发工本费10元；最低生活保障对象、特困供养人员、持证残疾人免缴', fields: [['childName', '新生儿姓名'], ['birthDate', '出生日期', 'date']], materials: [ID],
    steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
      { key: 'decide', name: '审核决定', position: 'approval', limitDays: 3 },
      { key: 'pay', name: '缴纳工本费', position: 'acceptance', limitDays: 5, kind: 'payment' },
      { key: 'complete', name: '办结', position: 'delivery', limitDays: 1 },
    ] },
  { hall: GUOYANG, code: '340621-MZJ-XZQR-001', name: '内地居民结婚登记', powerType: '行政确认', dept: d(G.mzj), promised: 0, statutory: 0, visits: 1, cert: 'marriage-certificate', keywords: ['结婚证', '婚姻登记', '领证'],
    legalBasis: '《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条', conditions: '男女双方自愿结婚，达到法定婚龄，无配偶，双方须共同到场（网上预约）', fees: '不收费（工本费已取消）',
    fields: [['spouseName', '另一方姓名'], ['appointmentDate', '预约登记日期', 'date']], materials: [ID, HH, PHOTO] },
  { hall: GUOYANG, code: '340621-MZJ-XZQR-002', name: '内地居民离婚登记', powerType: '行政确认', dept: d(G.mzj), promised: 0, statutory: 0, visits: 2, keywords: ['离婚', '婚姻登记'],
    legalBasis: '《中华人民共和国民法典》第一千零七十六条、第一千零七十七条', conditions: '双方自愿离婚并对子女抚养、财产等达成协议；离婚冷静期三十日后双方再次到场', fields: [['spouseName', '另一方姓名'], ['appointmentDate', '预约登记日期', 'date']], materials: [ID, HH, ['marriage-certificate', '结婚证', true, 'original', 'marriage-certificate'], ['divorce-agreement', '离婚协议书', true, 'original']] },
  { hall: GUOYANG, code: '340621-MZJ-XZQR-003', name: '补领结婚证', powerType: '行政确认', dept: d(G.mzj), promised: 0, statutory: 0, visits: 1, cert: 'marriage-certificate', keywords: ['结婚证丢失', '补办结婚证'],
    legalBasis: '《婚姻登记条例》第十七条', conditions: '结婚证遗失或者损毁，当事人双方到原登记机关或户籍所在地登记机关申请', fields: [['spouseName', '另一方姓名'], ['marriageDate', '原登记日期', 'date']], materials: [ID, HH, PHOTO] },
  { hall: GUOYANG, code: '340621-MZJ-XZJF-004', name: '最低生活保障金给付', powerType: '行政给付', dept: d(G.mzj), promised: 15, statutory: 30, keywords: ['低保', '最低生活保障'],
    legalBasis: '《社会救助暂行办法》第九条至第十三条', conditions: '共同生活的家庭成员人均收入低于当地最低生活保障标准且符合财产状况规定', fields: [['familySize', '共同生活家庭人口数', 'int'], ['monthlyIncome', '家庭月总收入（元）', 'int']], materials: [ID, HH, ['income-proof', '家庭收入情况说明', true, 'original']] },
  { hall: GUOYANG, code: '340621-CL-GGFW-001', name: '残疾人证办理', powerType: '为民服务', dept: d(G.cl), promised: 10, statutory: 20, visits: 1, cert: 'disability-certificate', keywords: ['残疾证', '残疾人证', '残联'],
    legalBasis: '《中华人民共和国残疾人保障法》；《中国残疾人联合会关于印发〈中华人民共和国残疾人证管理办法〉的通知》', conditions: '户籍在本县、符合残疾标准的残疾人；须到指定医院评定残疾类别和等级（一次上门）', fields: [['disabilityType', '残疾类别']], materials: [ID, HH, PHOTO] },
  { hall: GUOYANG, code: '340621-CL-XZJF-002', name: '困难残疾人生活补贴', powerType: '行政给付', dept: d(G.cl), promised: 15, statutory: 20, keywords: ['残疾人补助', '生活补贴', '困难补助金'],
    legalBasis: '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）', conditions: '持第二代残疾人证、享受最低生活保障的残疾人', fields: [['disabilityCertNo', '残疾人证号']], materials: [ID, ['disability-certificate', '残疾人证', true, 'copy', 'disability-certificate']] },
  { hall: GUOYANG, code: '340621-CL-GGFW-003', name: '残疾人优惠乘车证办理', powerType: '为民服务', dept: d(G.cl), promised: 5, statutory: 10, cert: 'disability-bus-pass', keywords: ['乘车证', '公交', '残疾人'],
    legalBasis: '《中华人民共和国残疾人保障法》第五十条', conditions: '持有效残疾人证的本县户籍残疾人', fields: [['disabilityCertNo', '残疾人证号']], materials: [ID, ['disability-certificate', '残疾人证', true, 'copy', 'disability-certificate'], PHOTO] },
  { hall: GUOYANG, code: '340621-SCJ-XZSP-001', name: '个体工商户注册登记（营业执照）', powerType: '行政审批', dept: d(G.scj), promised: 1, statutory: 15, cert: 'business-license', keywords: ['营业执照', '个体户', '开店'],
    legalBasis: '《促进个体工商户发展条例》；《中华人民共和国市场主体登记管理条例》', conditions: '有经营能力的公民，有固定经营场所', fields: [['tradeName', '个体工商户名称'], ['businessScope', '经营范围'], ['premises', '经营场所']], materials: [ID, ['premises-proof', '经营场所使用证明', true, 'copy']] },
  { hall: GUOYANG, code: '340621-SCJ-XZSP-002', name: '食品经营许可', powerType: '行政审批', dept: d(G.scj), promised: 10, statutory: 20, visits: 1, cert: 'food-business-license', keywords: ['食品经营许可证', '餐饮', '小卖部'],
    legalBasis: '《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》', conditions: '已取得营业执照，具有与经营的食品品种、数量相适应的场所和设备；需现场核查', fields: [['tradeName', '经营者名称'], ['premises', '经营场所'], ['foodCategories', '经营项目']], materials: [['business-license', '营业执照', true, 'copy', 'business-license'], ['layout', '经营场所平面布局图', true, 'original'], ['food-safety-rules', '食品安全管理制度', true, 'original']] },
  { hall: GUOYANG, code: '340621-RSJ-XZQR-001', name: '就业失业登记', powerType: '行政确认', dept: d(G.rsj), promised: 0, statutory: 0, keywords: ['失业登记', '就业创业证', '失业证'],
    legalBasis: '《就业服务与就业管理规定》第六十一条', conditions: '法定劳动年龄内、有劳动能力和就业要求、处于无业状态的城乡劳动者', fields: [['lastEmployer', '原工作单位']], materials: [ID] },
  { hall: GUOYANG, code: '340621-ZJJ-XZSP-001', name: '建筑工程施工许可证核发', powerType: '行政审批', dept: d(G.zjj), promised: 5, statutory: 15, visits: 0, cert: 'construction-permit', keywords: ['施工许可', '开工'],
    legalBasis: '《中华人民共和国建筑法》第七条；《建筑工程施工许可管理办法》', conditions: '已办理用地批准手续、取得建设工程规划许可证、施工图审查合格、确定施工企业', fields: [['projectName', '工程名称'], ['projectAddress', '建设地址'], ['contractPrice', '合同价格（万元）', 'int']], materials: [['planning-permit', '建设工程规划许可证', true, 'copy'], ['contract', '施工合同', true, 'copy'], ['drawings-review', '施工图审查合格书', true, 'copy']] },
  { hall: GUOYANG, code: '340621-STHJ-XZSP-001', name: '建设项目环境影响评价文件审批（报告表）', powerType: '行政审批', dept: d(G.sthj), promised: 15, statutory: 30, visits: 0, cert: 'eia-approval', keywords: ['环评', '环境影响评价', '环评批复'],
    legalBasis: '《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》第九条', conditions: '按规定编制环境影响报告表，项目符合生态环境分区管控和产业政策', fields: [['projectName', '建设项目名称'], ['projectAddress', '建设地点'], ['investment', '总投资（万元）', 'int']],
    materials: [['eia-report', '建设项目环境影响报告表', true, 'original'], ['land-proof', '用地预审或规划选址意见', true, 'copy'], ['public-notice', '信息公开情况说明', false, 'original']], steps: eiaSteps(G.sthj, G.zrzy, G.slj, 15) },
  { hall: GUOYANG, code: '340621-FGW-SHZB-001', name: '企业投资项目核准初审转报', powerType: '审核转报', dept: d(G.fgw), promised: 10, statutory: 20, keywords: ['项目核准', '转报', '投资项目'],
    legalBasis: '《企业投资项目核准和备案管理条例》第六条', conditions: '属于《政府核准的投资项目目录》、由市级以上核准的企业投资项目', fields: [['projectName', '项目名称'], ['investment', '总投资（万元）', 'int']], materials: [['application-report', '项目申请报告', true, 'original'], ['land-proof', '用地（用海）预审意见', true, 'copy']] },
  { hall: GUOYANG, code: '340621-JYJ-GGFW-001', name: '义务教育阶段学生转学', powerType: '为民服务', dept: d(G.jyj), promised: 5, statutory: 10, keywords: ['转学', '学籍'],
    legalBasis: '《中小学生学籍管理办法》第十三条', conditions: '因户籍迁移、随父母工作调动等原因需要转学的义务教育阶段学生', fields: [['studentName', '学生姓名'], ['fromSchool', '转出学校'], ['toSchool', '转入学校']], materials: [HH, ['transfer-reason', '转学原因证明', true, 'copy']] },
  // —— 珠海市网上办事大厅 (Zhuhai and Guangzhou cases) ——
  { hall: ZHUHAI, code: '440400-RSJ-XZQR-001', name: '专业技术人员资格评审（中级职称）', powerType: '行政确认', dept: d(Z.rsj), promised: 40, statutory: 60, visits: 0, cert: 'professional-title-certificate', keywords: ['职称评审', '中级职称', '专业技术资格'],
    legalBasis: '《职称评审管理暂行规定》（人力资源社会保障部令第40号）', conditions: '遵守法律法规，具备相应学历和专业工作年限，业绩成果符合本系列评价标准', fields: [['employer', '工作单位'], ['series', '评审系列'], ['yearsInField', '专业工作年限', 'int']],
    materials: [ID, ['diploma', '学历学位证书', true, 'copy', 'diploma'], ['achievements', '业绩成果材料', true, 'original'], ['employer-opinion', '单位推荐意见', true, 'original']],
    steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 3 },
      { key: 'review', name: '资格审查', position: 'review', limitDays: 10 },
      { key: 'expert', name: '评审委员会评审', position: 'expert', limitDays: 15 },
      { key: 'publicity', name: '结果公示', position: 'review', limitDays: 5 },
      { key: 'decide', name: '确认发文', position: 'approval', limitDays: 5 },
      { key: 'complete', name: '办结', position: 'delivery', limitDays: 2 },
    ] },
  { hall: ZHUHAI, code: '440400-RSJ-SHZB-002', name: '人才引进入户（人事接收审核）', powerType: '审核转报', dept: d(Z.rsj), promised: 10, statutory: 20, keywords: ['人才入户', '落户', '人事接收'],
    legalBasis: '《珠海市人才引进和入户管理办法》', conditions: '符合本市人才引进条件、由用人单位申办接收的人员', fields: [['employer', '接收单位'], ['education', '最高学历']],
    materials: [ID, ['diploma', '学历学位证书', true, 'copy', 'diploma'], ['labour-contract', '劳动合同', true, 'copy']],
    steps: [
      { key: 'accept', name: '受理', position: 'acceptance', limitDays: 1 },
      { key: 'review', name: '人事接收审核', position: 'review', limitDays: 5 },
      { key: 'transfer', name: '转报公安户籍', position: 'review', department: 'zh-gaj', departmentName: '珠海市公安局', limitDays: 3 },
      { key: 'complete', name: '办结', position: 'delivery', limitDays: 1 },
    ] },
  { hall: ZHUHAI, code: '440400-GAJ-XZSP-001', name: '往来港澳通行证及签注', powerType: '行政审批', dept: d(Z.gaj), promised: 7, statutory: 15, visits: 1, cert: 'hk-macao-permit', keywords: ['港澳通行证', '签注', '出入境', '澳门'],
    legalBasis: '《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》', conditions: '本市户籍居民或符合异地办证条件的人员；首次申请须本人到场采集指纹', fees: '通行证（卡式）60元；个人旅游签注每次15元', fields: [['destination', '前往地（香港/澳门）'], ['endorsementType', '签注种类']], materials: [ID, PHOTO] },
  { hall: ZHUHAI, code: '440400-GAJ-XZQR-002', name: '居住证办理', powerType: '行政确认', dept: d(Z.gaj), promised: 10, statutory: 15, cert: 'residence-permit', keywords: ['居住证', '暂住证', '积分'],
    legalBasis: '《居住证暂行条例》第九条', conditions: '在本市居住半年以上，并有合法稳定就业、合法稳定住所或连续就读之一', fields: [['residenceAddress', '居住地址'], ['residenceSince', '居住起始日期', 'date']], materials: [ID, PHOTO, ['residence-proof', '合法稳定住所证明', true, 'copy']] },
  { hall: ZHUHAI, code: '440400-ZJJ-XZQR-001', name: '限价商品住房申购资格预审', powerType: '行政确认', dept: d(Z.zjj), promised: 15, statutory: 20, keywords: ['限价房', '申购资格', '保障房'],
    legalBasis: '《珠海市限价商品住房管理办法》', conditions: '本市户籍家庭，家庭收入和住房面积符合限价房申购标准', fields: [['familySize', '家庭人口数', 'int'], ['currentHousingArea', '现有住房面积（平方米）', 'int']], materials: [ID, HH, ['income-proof', '家庭收入证明', true, 'original']] },
  { hall: ZHUHAI, code: '440400-SCJ-XZSP-001', name: '营业执照（有限责任公司设立登记）', powerType: '行政审批', dept: d(Z.scj), promised: 1, statutory: 15, cert: 'business-license', keywords: ['营业执照', '公司注册', '开办企业'],
    legalBasis: '《中华人民共和国公司法》；《中华人民共和国市场主体登记管理条例》第二十一条', conditions: '有符合章程规定的股东、公司名称和组织机构、住所，股东认缴出资', fields: [['companyName', '公司名称'], ['registeredCapital', '注册资本（万元）', 'int'], ['businessScope', '经营范围']],
    materials: [['articles', '公司章程', true, 'original'], ['shareholder-ids', '股东主体资格证明', true, 'copy'], ['premises-proof', '住所使用证明', true, 'copy']] },
  { hall: ZHUHAI, code: '440400-SCJ-XZSP-002', name: '食品生产许可', powerType: '行政审批', dept: d(Z.scj), promised: 10, statutory: 20, visits: 1, cert: 'food-production-license', keywords: ['食品生产许可证', 'SC证'],
    legalBasis: '《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》', conditions: '具有与生产的食品品种、数量相适应的生产场所和设备；需现场核查', fields: [['companyName', '生产者名称'], ['foodCategories', '食品类别']], materials: [['business-license', '营业执照', true, 'copy', 'business-license'], ['layout', '生产场所平面图和工艺流程图', true, 'original']] },
  { hall: ZHUHAI, code: '440400-SW-XZBA-001', name: '增值税一般纳税人登记', powerType: '行政备案', dept: d(Z.sw), promised: 0, statutory: 0, keywords: ['一般纳税人', '增值税', '税务登记'],
    legalBasis: '《增值税一般纳税人登记管理办法》（国家税务总局令第43号）', conditions: '年应税销售额超过规定标准，或会计核算健全、能够提供准确税务资料的纳税人', fields: [['companyName', '纳税人名称'], ['taxpayerId', '统一社会信用代码']], materials: [['business-license', '营业执照', true, 'copy', 'business-license']] },
  { hall: ZHUHAI, code: '440400-STHJ-XZSP-001', name: '建设项目环境影响评价文件审批（报告书）', powerType: '行政审批', dept: d(Z.sthj), promised: 30, statutory: 60, visits: 0, cert: 'eia-approval', keywords: ['环评', '环境影响评价', '环评审批', '并联审批'],
    legalBasis: '《中华人民共和国环境影响评价法》第二十二条；《建设项目环境保护管理条例》', conditions: '按规定编制环境影响报告书并进行公众参与，项目符合“三线一单”生态环境分区管控要求', fields: [['projectName', '建设项目名称'], ['projectAddress', '建设地点'], ['investment', '总投资（万元）', 'int']],
    materials: [['eia-report', '建设项目环境影响报告书', true, 'original'], ['public-participation', '公众参与说明', true, 'original'], ['land-proof', '规划选址意见', true, 'copy']], steps: eiaSteps(Z.sthj, Z.zrzy, Z.sw2, 30) },
  { hall: ZHUHAI, code: '440400-ZRZY-XZSP-001', name: '建设用地规划许可证核发', powerType: '行政审批', dept: d(Z.zrzy), promised: 10, statutory: 20, cert: 'land-planning-permit', keywords: ['用地规划许可', '规划许可'],
    legalBasis: '《中华人民共和国城乡规划法》第三十七条、第三十八条', conditions: '建设项目已批准、核准或备案，用地符合国土空间规划', fields: [['projectName', '项目名称'], ['landArea', '用地面积（平方米）', 'int']], materials: [['project-approval', '项目批准（核准、备案）文件', true, 'copy'], ['land-map', '用地红线图', true, 'original']] },
  { hall: ZHUHAI, code: '440400-WJJ-XZSP-001', name: '医疗机构执业登记', powerType: '行政审批', dept: d(Z.wjj), promised: 20, statutory: 45, visits: 1, cert: 'medical-institution-license', keywords: ['诊所', '医疗机构执业许可证'],
    legalBasis: '《医疗机构管理条例》第十五条', conditions: '按照医疗机构基本标准完成建设，有相应的卫生技术人员；需现场审核', fields: [['institutionName', '医疗机构名称'], ['institutionAddress', '执业地址'], ['beds', '床位数', 'int']], materials: [['premises-proof', '房屋产权或使用证明', true, 'copy'], ['staff-list', '卫生技术人员名录及资格证书', true, 'copy'], ['rules', '规章制度', true, 'original']] },
  { hall: ZHUHAI, code: '440400-MZJ-XZSP-001', name: '社会团体成立登记', powerType: '行政审批', dept: d(Z.mzj), promised: 30, statutory: 60, visits: 1, cert: 'social-organization-certificate', keywords: ['社团', '协会', '社会组织'],
    legalBasis: '《社会团体登记管理条例》第九条', conditions: '有50个以上个人会员或30个以上单位会员，有规范的名称、组织机构、固定住所和合法资产', fields: [['organizationName', '社会团体名称'], ['members', '会员数', 'int']], materials: [['articles', '章程草案', true, 'original'], ['sponsor-approval', '业务主管单位批准文件', true, 'copy']] },
  { hall: ZHUHAI, code: '440400-CL-GGFW-001', name: '残疾人证办理', powerType: '为民服务', dept: d(Z.cl), promised: 10, statutory: 20, visits: 1, cert: 'disability-certificate', keywords: ['残疾证', '残疾人证', '残联'],
    legalBasis: '《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》', conditions: '本市户籍、符合残疾标准的残疾人；须到指定医院评残（一次上门）', fields: [['disabilityType', '残疾类别']], materials: [ID, HH, PHOTO] },
  { hall: ZHUHAI, code: '440400-CL-XZJF-002', name: '残疾人困难补助金申领', powerType: '行政给付', dept: d(Z.cl), promised: 15, statutory: 30, keywords: ['残疾人补助', '困难补助金'],
    legalBasis: '《广东省残疾人保障条例》', conditions: '持证、家庭经济困难的本市户籍残疾人', fields: [['disabilityCertNo', '残疾人证号']], materials: [ID, ['disability-certificate', '残疾人证', true, 'copy', 'disability-certificate'], ['hardship-proof', '家庭经济困难证明', true, 'original']] },
  { hall: ZHUHAI, code: '440400-GJJ-GGFW-001', name: '住房公积金提取（购买自住住房）', powerType: '为民服务', dept: d(Z.gjj), promised: 0, statutory: 0, keywords: ['公积金', '提取', '购房'],
    legalBasis: '《住房公积金管理条例》第二十四条', conditions: '购买本市自住住房的缴存职工及其配偶', fields: [['purchaseContractNo', '购房合同编号'], ['amount', '提取金额（元）', 'int']], materials: [ID, ['purchase-contract', '购房合同', true, 'copy']] },
  { hall: ZHUHAI, code: '440400-JTJ-XZSP-001', name: '道路旅客运输经营许可', powerType: '行政审批', dept: d(Z.jtj), promised: 15, statutory: 20, cert: 'road-transport-license', keywords: ['客运', '道路运输经营许可证'],
    legalBasis: '《中华人民共和国道路运输条例》第十条', conditions: '有与经营业务相适应并经检测合格的客车，有符合条件的驾驶人员和健全的安全生产管理制度', fields: [['companyName', '经营者名称'], ['vehicles', '客车数量', 'int']], materials: [['business-license', '营业执照', true, 'copy', 'business-license'], ['vehicle-list', '拟投入车辆情况', true, 'original'], ['safety-rules', '安全生产管理制度', true, 'original']] },
];

/** Every demo item (生育登记 first: the golden path files under it). */
export const DEMO_CATALOG: (ItemInput & { version: number })[] = [
  BIRTH_REGISTRATION as ItemInput & { version: number },
  ...SPECS.map((s) => ({ ...build(s), version: 1 })),
];

/** The demo bundle (一件事一次办) at the Zhuhai hall: one form and one set of materials for three items of two departments. */
export const DEMO_BUNDLE = {
  code: '440400-YJS-001', name: '开办食品生产企业一件事（营业执照＋食品生产许可＋一般纳税人登记）', hall: ZHUHAI.name, level: '市' as const,
  department: 'zh-scj', departmentName: '珠海市市场监督管理局', items: ['440400-SCJ-XZSP-001', '440400-SCJ-XZSP-002', '440400-SW-XZBA-001'], keywords: ['开办企业', '一件事', '一件事一次办'],
};

/**
 * GB/T 36904 issuer codes (统一社会信用代码) of the demo departments that issue certificates. Every
 * department owning a certificate-issuing demo item needs one (a unit test checks it).
 */
const DEMO_ISSUER_CODES: Record<string, string> = {
  'gy-wjw': '11341621003000001X', 'gy-mzj': '11341621003000002T', 'gy-cl': '113416210030000035', 'gy-scj': '113416210030000048',
  'gy-zjj': '11341621003000006E', 'gy-sthj': '11341621003000007H',
  'zh-rsj': '11440400007000001A', 'zh-gaj': '11440400007000002D', 'zh-scj': '11440400007000004K', 'zh-sthj': '11440400007000006R',
  'zh-zrzy': '11440400007000007W', 'zh-wjj': '114404000070000093', 'zh-mzj': '114404000070000108', 'zh-cl': '11440400007000011B', 'zh-jtj': '11440400007000013H',
};

const issuingItems = () => DEMO_CATALOG.filter((i) => i.certificateType);

/** The demo issuer records: one per department that owns a certificate-issuing demo item. */
export function demoIssuers(): { department: string; name: string; creditCode: string }[] {
  const byDept = new Map(issuingItems().map((i) => [i.department, i.departmentName]));
  return [...byDept].map(([department, name]) => {
    const creditCode = DEMO_ISSUER_CODES[department];
    if (!creditCode) throw new Error(`demo department ${department} issues certificates but has no issuer code`);
    return { department, name, creditCode };
  });
}

/** The departments that issue each certificate type, as the demo items say. */
export function demoTypeIssuers(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issuingItems()) {
    const list = (out[i.certificateType!] ??= []);
    if (!list.includes(i.department)) list.push(i.department);
  }
  return out;
}
