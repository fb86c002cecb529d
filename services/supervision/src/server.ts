// Process entry: see @hall/service runMain (config, migrations, NATS, HTTP, graceful stop).
import { runMain } from '@hall/service';
import { definition } from './app.js';

await runMain(definition);
