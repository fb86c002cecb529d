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
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHooked = false;
let stateFile: string | undefined;

const REAPER_SCRIPT = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
if [ -f "$2" ]; then
  grep '^pid ' "$2" | cut -d' ' -f2 | while read -r p; do kill -9 "$p" 2>/dev/null; done
  grep '^dir ' "$2" | cut -d' ' -f2- | while read -r d; do rm -rf -- "$d"; done
  rm -f "$2"
fi
`;

function writeState(): void {
  if (!stateFile) {
    stateFile = join(tmpdir(), `hall-testkit-${process.pid}-${Date.now().toString(36)}.state`);
    writeFileSync(stateFile, '');
    const reaper = spawn('sh', ['-c', REAPER_SCRIPT, 'hall-testkit-reaper', String(process.pid), stateFile], { detached: true, stdio: 'ignore' });
    reaper.unref();
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
