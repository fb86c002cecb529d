/**
 * Anomaly rules (异常行为规则) and the deadline warning settings. Each rule is switched on or off
 * and tuned in `rule_config` by supervisors (GET/PUT /v1/rules); a rule's hit is recorded once per
 * (rule, case, triggering event) in `anomaly`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { chinaDate, isWorkingDay } from '@hall/calendar';
import type { CaseEvent, CaseState } from './cases.js';

const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
export const RuleParams = {
  deadline_warning: Type.Object({ yellowShare: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) }, { additionalProperties: false }),
  refusal_without_reason: Type.Object({ minLength: Type.Integer({ minimum: 1, maximum: 200 }) }, { additionalProperties: false }),
  out_of_order: Type.Object({}, { additionalProperties: false }),
  off_hours_acceptance: Type.Object({ periods: Type.Array(Type.Tuple([HHMM, HHMM]), { minItems: 1, maxItems: 6 }) }, { additionalProperties: false }),
  repeated_supplements: Type.Object({ max: Type.Integer({ minimum: 1, maximum: 20 }) }, { additionalProperties: false }),
  too_fast_approval: Type.Object({ defaultMinutes: Type.Integer({ minimum: 0, maximum: 100_000 }), items: Type.Record(Type.String({ minLength: 1, maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 100_000 })) }, { additionalProperties: false }),
} as const;
export type RuleName = keyof typeof RuleParams;
export const RULE_NAMES = Object.keys(RuleParams) as RuleName[];
export type Rules = { [K in RuleName]: { enabled: boolean; params: Static<(typeof RuleParams)[K]> } };

export const RULE_TITLES: Record<RuleName, string> = {
  deadline_warning: '时限预警（黄牌比例）',
  refusal_without_reason: '不予受理/不予许可未说明理由',
  out_of_order: '办理环节顺序异常',
  off_hours_acceptance: '非工作时间受理且受理人不在值班表',
  repeated_supplements: '同一办件多次补交告知',
  too_fast_approval: '审批用时短于事项最短用时',
};

/**
 * Anomalies recorded from an event itself rather than judged by a configurable rule over the case's
 * transitions (so no rule_config entry; a recomputation never retracts them).
 */
export const EVENT_ANOMALY_TITLES: Record<string, string> = {
  certificate_failed: '制证失败（证照未能签发，办件停在办结环节）',
};

export const DEFAULT_RULES: Rules = {
  deadline_warning: { enabled: true, params: { yellowShare: 0.8 } },
  refusal_without_reason: { enabled: true, params: { minLength: 4 } },
  out_of_order: { enabled: true, params: {} },
  off_hours_acceptance: { enabled: true, params: { periods: [['08:30', '12:00'], ['14:30', '17:30']] } },
  repeated_supplements: { enabled: true, params: { max: 1 } },
  too_fast_approval: { enabled: true, params: { defaultMinutes: 10, items: {} } },
};

export interface Hit { rule: RuleName; messageId: string; actor: string | null; detail: Record<string, unknown> }

/** The statuses one of which must have come before a status (a step cannot be skipped). */
const REQUIRES: Partial<Record<string, string[]>> = {
  accepted: ['received'],
  under_review: ['accepted'],
  approved: ['accepted'],
  denied: ['accepted'],
  completed: ['approved', 'denied'],
  supplement_received: ['supplement_requested'],
  special_procedure_done: ['special_procedure'],
  paid: ['payment_pending'],
};

/** China local time of day 'HH:MM'. */
const chinaClock = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(11, 16);
export function inOfficeHours(at: Date, periods: [string, string][]): boolean {
  if (!isWorkingDay(at)) return false;
  const t = chinaClock(at);
  return periods.some(([a, b]) => t >= a && t < b);
}

export interface RuleContext {
  rules: Rules;
  /** Whether the account is on the duty roster at that instant. */
  onDuty(account: string, at: Date): boolean;
}

export function evaluateRules(ordered: CaseEvent[], state: CaseState, ctx: RuleContext): Hit[] {
  const { rules } = ctx;
  const hits: Hit[] = [];
  const seen = new Set<string>();
  let prev: string | null = null;
  let supplements = 0;
  for (const e of ordered) {
    const p = e.payload;
    const hit = (rule: RuleName, detail: Record<string, unknown>) => { if (rules[rule].enabled) hits.push({ rule, messageId: e.messageId, actor: p.actor ?? null, detail: { action: p.action, to: p.to, at: e.occurredAt.toISOString(), ...detail } }); };

    if ((p.to === 'rejected' || p.to === 'denied') && (p.reason ?? '').trim().length < rules.refusal_without_reason.params.minLength) {
      hit('refusal_without_reason', { reason: p.reason ?? null });
    }
    const needs = REQUIRES[p.to];
    if (prev !== null && p.from !== null && p.from !== prev) hit('out_of_order', { expectedFrom: prev, from: p.from });
    else if (needs && !needs.some((s) => seen.has(s))) hit('out_of_order', { missing: needs });
    if (p.to === 'accepted' && !inOfficeHours(e.occurredAt, rules.off_hours_acceptance.params.periods) && !ctx.onDuty(p.actor, e.occurredAt)) {
      hit('off_hours_acceptance', { localDate: chinaDate(e.occurredAt), localTime: chinaClock(e.occurredAt) });
    }
    if (p.to === 'supplement_requested' && ++supplements > rules.repeated_supplements.params.max) {
      hit('repeated_supplements', { count: supplements, max: rules.repeated_supplements.params.max });
    }
    if (p.to === 'approved') {
      const min = rules.too_fast_approval.params.items[p.itemCode] ?? rules.too_fast_approval.params.defaultMinutes;
      const since = state.acceptedAt ?? state.receivedAt;
      const minutes = (e.occurredAt.getTime() - since.getTime()) / 60_000;
      if (minutes < min) hit('too_fast_approval', { minutes: Math.round(minutes * 10) / 10, minimumMinutes: min });
    }
    seen.add(p.to);
    prev = p.to;
  }
  return hits;
}
