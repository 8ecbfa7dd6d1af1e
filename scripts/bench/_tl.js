const { Lab, TemporalDevServer } = require('../../lab');
const { connectClient } = require('../../src/client');
const { startWorker } = require('./worker');
(async () => {
  const server = new TemporalDevServer({ port: 7402, headless: true, logFile: '/tmp/tl-temporal.log' });
  await server.start();
  const w = await startWorker(server.address, 'tl');
  const client = await connectClient({ address: server.address });
  for (let k = 0; k < 2; k++) {
  const lab = await new Lab({ block: 153, etcdVersion: process.env.V || '3.6.14' }).start();
  try {
    const t0 = Date.now();
    const h = await client.workflow.start('scaleOutEtcd', { taskQueue: 'tl', workflowId: 'tl-' + Date.now(), args: [lab.request()] });
    await h.result();
    console.log('total', Date.now() - t0);
    const hist = await h.fetchHistory();
    const ms = (e) => Number(e.eventTime.seconds) * 1000 + Math.floor(e.eventTime.nanos / 1e6);
    const start = ms(hist.events[0]); const sched = new Map();
    for (const e of hist.events) {
      const a = e.activityTaskScheduledEventAttributes;
      if (a) sched.set(String(e.eventId), [a.activityType.name, ms(e)]);
      const c = e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes;
      if (c) { const [n, t] = sched.get(String(c.scheduledEventId)); console.log(String(t - start).padStart(6), String(ms(e) - t).padStart(5), n, e.activityTaskFailedEventAttributes ? 'FAILED' : ''); }
    }
    console.log('end', ms(hist.events.at(-1)) - start, 'events', hist.events.length);
  } finally { await lab.stop(); }
  }
  await client.connection.close(); await w.stop(); await server.stop();
})();
