/**
 * CPU time per process during a bench phase, from /proc (Linux): which process spends how many
 * milliseconds of CPU per application, so that the bottleneck is named with numbers. Covers this
 * process (load generator and both zones' S3 endpoints), every process it started (services, relay
 * halves, nats-server), the Postgres backends serving the bench databases, and the whole machine
 * (other work on a shared machine shows as CPU not accounted for by the platform).
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import type { Platform } from '@hall/platform';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

function stat(pid: number): { ppid: number; comm: string; ms: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' ');
    return { ppid: Number(f[1]), comm: s.slice(s.indexOf('(') + 1, close), ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch { return null; } // gone
}

function machineBusyMs(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

export interface CpuSnapshot { at: number; procs: Map<number, { name: string; ms: number }>; machine: { busy: number; total: number } }

/** Every process under `root`, named by `names` (pid → name) or its command, plus `extra` pids (e.g. Postgres backends). */
export function snapshot(names: Map<number, string>, extra: Map<number, string> = new Map(), root = process.pid): CpuSnapshot {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const info = new Map<number, NonNullable<ReturnType<typeof stat>>>();
  for (const pid of all) { const s = stat(pid); if (s) info.set(pid, s); }
  const inTree = (pid: number): boolean => { for (let p = pid, n = 0; p > 1 && n < 50; p = info.get(p)?.ppid ?? 0, n++) if (p === root) return true; return false; };
  const procs = new Map<number, { name: string; ms: number }>();
  for (const [pid, s] of info) {
    if (pid === root) procs.set(pid, { name: 'bench (load generator, both S3 endpoints)', ms: s.ms });
    else if (extra.has(pid)) procs.set(pid, { name: extra.get(pid)!, ms: s.ms });
    else if (inTree(pid)) procs.set(pid, { name: names.get(pid) ?? s.comm, ms: s.ms });
  }
  return { at: Date.now(), procs, machine: machineBusyMs() };
}

/** CPU ms per named process between two snapshots (processes with one name are summed), largest first. */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): { name: string; cpuMs: number; cores: number }[] {
  const seconds = (b.at - a.at) / 1000;
  const by = new Map<string, number>();
  for (const [pid, p] of b.procs) by.set(p.name, (by.get(p.name) ?? 0) + p.ms - (a.procs.get(pid)?.ms ?? 0));
  const platform = [...by.values()].reduce((x, y) => x + y, 0);
  const machine = b.machine.busy - a.machine.busy;
  const rows = [...by].map(([name, cpuMs]) => ({ name, cpuMs, cores: cpuMs / 1000 / seconds })).sort((x, y) => y.cpuMs - x.cpuMs);
  rows.push({ name: 'other work on the machine', cpuMs: Math.max(0, machine - platform), cores: Math.max(0, machine - platform) / 1000 / seconds });
  rows.push({ name: 'machine idle', cpuMs: (b.machine.total - a.machine.total) - machine, cores: ((b.machine.total - a.machine.total) - machine) / 1000 / seconds });
  return rows;
}

/**
 * A snapshot of a whole platform: its processes by name, and the Postgres backends of its databases
 * (those whose name starts with `databasePrefix`), found through `admin`.
 */
export async function platformSnapshot(platform: Platform, admin: pg.Client, databasePrefix: string, backendsName: string): Promise<CpuSnapshot> {
  const names = new Map(Object.entries(platform.processes).map(([name, p]) => [p.child?.pid ?? -1, name] as const));
  const backends = (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname LIKE $1', [`${databasePrefix}%`])).rows;
  return snapshot(names, new Map(backends.map((b) => [b.pid, backendsName] as const)));
}
