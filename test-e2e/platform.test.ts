/**
 * The end-to-end scenarios that share one whole platform (both zones, both UDP lanes, every
 * service started from its production bundle): each scenario is a describe block of its own in
 * test-e2e/scenarios/, with its own hooks, run one after another on the same platform, as real
 * users of one hall would use it one after another. Starting a platform costs about as much as a
 * scenario; eight of them paid it eight times.
 *
 * Order matters only where a scenario changes what all share: the two key rotations (a
 * department's certificate key in approval-browser, the staff realm's token key in identity-zones)
 * come late, and the fault suite (kills every process and server, leaves approval on a slow
 * database) comes last.
 */
import { sharedPlatform, stopSharedPlatform, PLATFORM_STOP_TIMEOUT_MS } from './src/platform.js';
import './scenarios/bundles.js';
import './scenarios/golden-path.js';
import './scenarios/certificate-lifecycle.js';
import './scenarios/certificate-reuse.js';
import './scenarios/browser.js';
import './scenarios/openness-browser.js';
import './scenarios/sessions-browser.js';
import './scenarios/supervision-login.js';
import './scenarios/every-item.js';
import './scenarios/approval-browser.js';
import './scenarios/identity-zones.js';
import './scenarios/lane-auth.js';
import './scenarios/object-stores.js';
import './scenarios/faults.js';

// Started before any scenario's own hooks run (root hooks run first), so a start-up failure is
// reported once, here, with the launcher's message.
beforeAll(async () => { await sharedPlatform(); }, 240_000);
afterAll(async () => { await stopSharedPlatform(); }, PLATFORM_STOP_TIMEOUT_MS);
