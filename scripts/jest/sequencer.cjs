/**
 * Order of the test files in one run: the unit layer first (seconds, no servers, so a logic
 * error shows at once), then everything else longest first, so that the two workers finish
 * together instead of one starting a long file at the end.
 *
 * "Longest" is jest's own record of the last run on this checkout when it has one, else the
 * measured durations in durations.json (a clean clone has no jest cache), else the file size.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

// @jest/test-sequencer is a dependency of jest-config, not of the workspace: find it through jest.
let req = createRequire(require.resolve('jest/package.json'));
req = createRequire(req.resolve('@jest/core/package.json'));
req = createRequire(req.resolve('jest-config/package.json'));
const Sequencer = req('@jest/test-sequencer').default;

const ROOT = path.resolve(__dirname, '../..');
const HINTS = JSON.parse(fs.readFileSync(path.join(__dirname, 'durations.json'), 'utf8'));

const isUnit = (p) => p.endsWith('.unit.test.ts');

class LayeredSequencer extends Sequencer {
  sort(tests) {
    const weight = (t) => {
      const cached = this._getCache(t)[t.path];
      if (cached && Array.isArray(cached) && cached[1] > 0) return cached[1] / 1000;
      const hint = HINTS[path.relative(ROOT, t.path)];
      if (hint !== undefined) return hint;
      try { return fs.statSync(t.path).size / 10_000; } catch { return 0; }
    };
    return [...tests].sort((a, b) => {
      const layer = Number(!isUnit(a.path)) - Number(!isUnit(b.path));
      return layer !== 0 ? layer : weight(b) - weight(a);
    });
  }
}

module.exports = LayeredSequencer;
