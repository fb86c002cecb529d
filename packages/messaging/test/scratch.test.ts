import { jetstream, jetstreamManager, AckPolicy } from '@nats-io/jetstream';
import { createLogger } from '@hall/logging';
import { buildMessage } from '@hall/contracts';
import { startNatsZone } from '@hall/testkit';
import { connectNats, createPublisher } from '../src/index.js';

const logger = createLogger({ service: 't', level: 'silent' });
it('scratch', async () => {
  const x = await startNatsZone({ zone: 'extranet' });
  const i = await startNatsZone({ zone: 'internet' });
  try {
    // 1: internet creds to extranet
    const d = i.users.declaration!;
    try { await connectNats({ servers: x.url, user: d.user, pass: d.pass, name: 'x', logger }); console.log('connected?!'); } catch (e) { console.log('auth:', (e as Error).constructor.name, (e as Error).message); }
    // 2: catalog publishes on hall.x.case
    const c = x.users.catalog!;
    const nc = await connectNats({ servers: x.url, user: c.user, pass: c.pass, name: 'cat', logger });
    const statuses: unknown[] = [];
    (async () => { for await (const s of nc.status()) statuses.push(s.type === 'error' ? [s.type, s.error.constructor.name, s.error.message] : s.type); })();
    const js = jetstream(nc);
    const t0 = Date.now();
    try { await js.publish('hall.x.case.transitioned', 'x', { timeout: 2000 }); console.log('published?!'); } catch (e) { console.log('pub err', Date.now()-t0, (e as Error).constructor.name, (e as Error).message, (e as any).cause?.message); }
    console.log('statuses', JSON.stringify(statuses));
    // 3: consumer user creates stream
    const ap = x.users.approval!;
    const nc2 = await connectNats({ servers: x.url, user: ap.user, pass: ap.pass, name: 'ap', logger });
    const jsm2 = await jetstreamManager(nc2, { checkAPI: false });
    try { await jsm2.streams.add({ name: 'EVIL', subjects: ['evil.>'] }); console.log('stream created?!'); } catch (e) { console.log('stream err', (e as Error).constructor.name, (e as Error).message); }
    // 4: push consumer with deliver subject into X
    try {
      await jsm2.consumers.add('IN', { durable_name: 'evil', ack_policy: AckPolicy.None, deliver_subject: 'hall.x.case.injected' });
      console.log('push consumer created');
    } catch (e) { console.log('push err', (e as Error).message); }
    // filter subject with wildcard
    await jsm2.consumers.add('IN', { durable_name: 'f1', ack_policy: AckPolicy.Explicit, filter_subject: 'hall.in.>' });
    await jsm2.consumers.add('IN', { durable_name: 'f2', ack_policy: AckPolicy.Explicit, filter_subject: 'hall.in.application.*' });
    console.log('filtered consumers ok');
    // relay-in-receiver publishes a message to IN
    const rr = x.users['relay-in-receiver']!;
    const nc3 = await connectNats({ servers: x.url, user: rr.user, pass: rr.pass, name: 'rr', logger });
    const pub = createPublisher(nc3);
    const msg = buildMessage('application.submitted', { zone: 'internet', correlationId: 'a', payload: { applicationId: '00000000-0000-4000-8000-000000000001', receiptNo: 'R1', itemCode: 'I', itemVersion: 1, applicant: { accountId: 'a', name: 'n', kind: 'person' }, form: {}, materials: [], submittedAt: new Date().toISOString() } });
    console.log(await pub.publish(msg), await pub.publish(msg));
    await new Promise((r) => setTimeout(r, 2000)); console.log('evil info', JSON.stringify((await jsm2.consumers.info('IN','evil')).delivered));
    const jsmP = await jetstreamManager(await connectNats({ servers: x.url, user: x.users.provisioner!.user, pass: x.users.provisioner!.pass, name: 'p', logger }));
    console.log('X msgs', (await jsmP.streams.info('X')).state.messages, 'IN', (await jsmP.streams.info('IN')).state.messages);
    console.log(x.logs().split('\n').filter(l => /Violation|Authorization/i.test(l)).join('\n'));
    await nc.close(); await nc2.close(); await nc3.close();
  } finally { await x.stop(); await i.stop(); }
});
