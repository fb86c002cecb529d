/**
 * Public holidays and make-up workdays (调休) of mainland China as data, one entry per year, taken
 * from the State Council General Office notices (国务院办公厅关于…部分节假日安排的通知):
 * 2025 — 国办发明电〔2024〕12号 (published 2024-11-12); 2026 — the notice published 2025-11-04.
 * Add a year here when its notice is out; admins can also override a year at run time through
 * the catalog's calendar API, which stores the same shape.
 */
import type { YearCalendar } from './calendar.js';

export const CHINA_HOLIDAYS: readonly YearCalendar[] = [
  {
    year: 2025,
    holidays: [
      { name: '元旦', from: '2025-01-01', to: '2025-01-01' },
      { name: '春节', from: '2025-01-28', to: '2025-02-04' },
      { name: '清明节', from: '2025-04-04', to: '2025-04-06' },
      { name: '劳动节', from: '2025-05-01', to: '2025-05-05' },
      { name: '端午节', from: '2025-05-31', to: '2025-06-02' },
      { name: '国庆节、中秋节', from: '2025-10-01', to: '2025-10-08' },
    ],
    workdays: [
      { name: '春节调休上班', date: '2025-01-26' },
      { name: '春节调休上班', date: '2025-02-08' },
      { name: '劳动节调休上班', date: '2025-04-27' },
      { name: '国庆节调休上班', date: '2025-09-28' },
      { name: '国庆节调休上班', date: '2025-10-11' },
    ],
  },
  {
    year: 2026,
    holidays: [
      { name: '元旦', from: '2026-01-01', to: '2026-01-03' },
      { name: '春节', from: '2026-02-15', to: '2026-02-23' },
      { name: '清明节', from: '2026-04-04', to: '2026-04-06' },
      { name: '劳动节', from: '2026-05-01', to: '2026-05-05' },
      { name: '端午节', from: '2026-06-19', to: '2026-06-21' },
      { name: '中秋节', from: '2026-09-25', to: '2026-09-27' },
      { name: '国庆节', from: '2026-10-01', to: '2026-10-07' },
    ],
    workdays: [
      { name: '元旦调休上班', date: '2026-01-04' },
      { name: '春节调休上班', date: '2026-02-14' },
      { name: '春节调休上班', date: '2026-02-28' },
      { name: '劳动节调休上班', date: '2026-05-09' },
      { name: '国庆节调休上班', date: '2026-09-20' },
      { name: '国庆节调休上班', date: '2026-10-10' },
    ],
  },
];
