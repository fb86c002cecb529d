/**
 * Child processes and temporary directories created by the test kit, cleaned up even when the
 * test process dies without running its teardown.
 *
 * Two mechanisms, because neither covers every case:
 * - an 'exit' handler kills the children (a demo or script that exits normally or via
 *   process.exit);
 * - a small detached reaper (`sh`) watches this process's pid and, once it is gone, SIGKILLs the
 *   listed children and removes the listed directories. This covers a test run killed by a
 *   timeout or a signal, and jest, whose sandboxed `process` never sees the real 'exit' event.
 * The reaper works from a state file of pids and paths that is rewritten on every change, so it
 * never touches a process that already ended normally.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHooked = false;
let stateFile: string | undefined;

// $1 = pid to watch, $2 = state-file prefix, $3 = lock file. Every module instance of this file
// in the watched process (jest loads it once per test file) writes its own "<prefix><id>.state";
// one reaper serves them all.
const REAPER_SCRIPT = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
for f in "$2"*.state; do
  [ -f "$f" ] || continue
  grep '^pid ' "$f" | cut -d' ' -f2 | while read -r p; do kill -9 "$p" 2>/dev/null; done
  grep '^dir ' "$f" | cut -d' ' -f2- | while read -r d; do rm -rf -- "$d"; done
  rm -f "$f"
done
rm -f "$3"
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the reaper for this process unless one already runs (lock file holds its pid). */
function ensureReaper(prefix: string): void {
  const lock = `${prefix}reaper.lock`;
  try {
    const holder = Number(readFileSync(lock, 'utf8'));
    if (holder > 0 && isAlive(holder)) return;
  } catch {
    // no lock yet
  }
  const reaper = spawn('sh', ['-c', REAPER_SCRIPT, 'hall-testkit-reaper', String(process.pid), prefix, lock], { detached: true, stdio: 'ignore' });
  reaper.unref();
  if (reaper.pid) writeFileSync(lock, String(reaper.pid));
}

function writeState(): void {
  if (!stateFile) {
    const prefix = join(tmpdir(), `hall-testkit-${process.pid}-`);
    stateFile = `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.state`;
    writeFileSync(stateFile, '');
    ensureReaper(prefix);
  }
  const lines = [...[...children].flatMap((c) => (c.pid ? [`pid ${c.pid}`] : [])), ...[...dirs].map((d) => `dir ${d}`)];
  writeFileSync(stateFile, lines.join('\n') + (lines.length ? '\n' : ''));
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
    writeState();
  });
  writeState();
  if (!exitHooked) {
    exitHooked = true;
    // 'exit' handlers must be synchronous: SIGKILL is the only thing that certainly lands.
    process.on('exit', () => {
      for (const c of children) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });
  }
}

/** A temporary directory to remove if this process dies before removing it itself. */
export function trackDir(path: string): void {
  dirs.add(path);
  writeState();
}

export function untrackDir(path: string): void {
  if (dirs.delete(path)) writeState();
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    function onExit() {
      clearTimeout(t);
      resolve(true);
    }
    child.once('exit', onExit);
  });
}

export function liveChildren(): number {
  return children.size;
}
