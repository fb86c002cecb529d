// Writes proto/<type>.v<version>.schema.json from the TypeBox contracts (run: pnpm proto).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderProto } from '../src/proto.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../proto');
for (const [file, text] of Object.entries(renderProto())) fs.writeFileSync(path.join(root, file), text);
console.log(`wrote ${Object.keys(renderProto()).length} contracts to ${root}`);
