// outpost-agent with a cloud: outpostd provisioned manually against outpost-cloud (on 443 and
// 8883 of a loopback address of its own) boots the real outpost-agent, which connects to the
// cloud as $edgeAgent through our C++ SDK (token signed by the workload API), reads its twin,
// and runs the deployment applied with the cloud's REST API (applyConfigurationContent) on
// the process runtime; the $edgeAgent reported properties, read back through the REST API,
// show every module running; a second deployment (a desired patch) replaces the modules; an
// invalid one is refused with its code while what runs stays.
//   usage: node agent_cloud_test.js <outpostd> <outpost-cloud>
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const h = require('./lib/harness');

const [outpostd, cloudBinary] = process.argv.slice(2);
const dir = h.tempDir('outpost-agent-cloud');
const { address, certs, deviceId, deviceKey, home, cloud, daemon, stopAndReport } = h.edgeDeviceWithCloud(dir, outpostd, cloudBinary);

const shell = (command, extra = {}) => Object.assign({ version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always',
  settings: { image: 'test/shell:1.0', createOptions: JSON.stringify({ Cmd: ['-c', command] }) } }, extra);
const content = (modules, agentExtra = {}) => ({ modulesContent: {
  $edgeAgent: { 'properties.desired': Object.assign({ schemaVersion: '1.1',
    runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25' } },
    systemModules: { edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5' } } },
    modules }, agentExtra) },
  $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } } } });

async function agentReported() {
  const r = await cloud.api('GET', `/twins/${deviceId}/modules/%24edgeAgent`);
  return r.status === 200 ? r.body.properties.reported : {};
}
// What the runtime says, through the daemon's management API (works with the cloud down).
function runtimeModules() {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: path.join(dir, 'run', 'mgmt.sock'), path: '/modules?api-version=2020-07-07' }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => { try { resolve(JSON.parse(body).modules || []); } catch (_) { resolve([]); } });
    });
    req.on('error', () => resolve([]));
    req.end();
  });
}
const moduleStatus = (reported, name) => reported.modules && reported.modules[name] && reported.modules[name].runtimeStatus;

h.runSteps('agent/cloud', [
  ['outpost-cloud runs with the edge device registered and a deployment applied', async () => {
    await cloud.start();
    await cloud.registerEdgeDevice(deviceId, deviceKey,
      content({ alpha: shell('exec sleep 600', { startupOrder: 1 }), beta: shell('exec sleep 600', { startupOrder: 2 }) }));
  }],
  ['outpostd boots outpost-agent, which runs the deployment and reports it to the cloud', async () => {
    await daemon.start();
    const reported = await h.waitFor('alpha and beta reported running', async () => {
      const rep = await agentReported();
      return moduleStatus(rep, 'alpha') === 'running' && moduleStatus(rep, 'beta') === 'running' && rep;
    }, 30000);
    if (reported.lastDesiredStatus.code !== 200) throw new Error('lastDesiredStatus ' + JSON.stringify(reported.lastDesiredStatus));
    if (!reported.systemModules || !reported.systemModules.edgeAgent) throw new Error('no edgeAgent: ' + JSON.stringify(reported));
    if (JSON.stringify(reported).includes('password')) throw new Error('a password in the reported properties');
  }],
  ['a new deployment replaces the modules', async () => {
    const applied = await cloud.api('POST', `/devices/${deviceId}/applyConfigurationContent`,
      content({ gamma: shell('echo "<4> gamma says hi"; echo plain line; exec sleep 600') }));
    if (applied.status >= 300) throw new Error('apply: ' + applied.text);
    await h.waitFor('gamma running, alpha and beta gone', async () => {
      const rep = await agentReported();
      return moduleStatus(rep, 'gamma') === 'running' && !moduleStatus(rep, 'alpha') && !moduleStatus(rep, 'beta');
    }, 30000);
    const listed = await h.waitFor('the runtime to have gamma only', () => {
      const names = fs.readdirSync(path.join(home, 'modules')).sort();
      return JSON.stringify(names) === JSON.stringify(['edgeAgent', 'gamma']) && names;
    }, 10000);
    if (!listed) throw new Error('modules left behind');
  }],
  ["the agent's direct methods through the cloud: ping, GetModuleLogs, RestartModule", async () => {
    const call = (methodName, payload) => cloud.api('POST', `/twins/${deviceId}/modules/%24edgeAgent/methods`,
      { methodName, payload, responseTimeoutInSeconds: 10 });
    const ping = await h.waitFor('ping', async () => { const r = await call('ping', null); return r.status === 200 && r; }, 20000);
    if (ping.body.status !== 200) throw new Error('ping: ' + ping.text);
    const logs = await h.waitFor('gamma\'s warning in its logs', async () => {
      const r = await call('GetModuleLogs', { schemaVersion: '1.0', items: [{ id: 'gam.*', filter: { tail: 10, loglevel: 4 } }],
        encoding: 'none', contentType: 'json' });
      const lines = r.status === 200 && r.body.status === 200 && JSON.parse(r.body.payload[0].payload);
      return lines && lines.length === 1 && lines;
    }, 10000);
    if (logs[0].text !== 'gamma says hi' || logs[0].id !== 'gamma' || logs[0].device !== deviceId)
      throw new Error('logs: ' + JSON.stringify(logs));
    const before = JSON.parse(fs.readFileSync(path.join(home, 'modules', 'gamma', 'module.json'), 'utf8')).pid;
    const restarted = await call('RestartModule', { schemaVersion: '1.0', id: 'gamma' });
    if (restarted.body.status !== 200) throw new Error('RestartModule: ' + restarted.text);
    const after = JSON.parse(fs.readFileSync(path.join(home, 'modules', 'gamma', 'module.json'), 'utf8')).pid;
    if (!(after > 0) || after === before) throw new Error(`gamma was not restarted (${before} -> ${after})`);
    const unknown = await call('RestartModule', { schemaVersion: '1.0', id: 'nobody' });
    if (unknown.body.status !== 400) throw new Error('RestartModule nobody: ' + unknown.text);
  }],
  ['UploadModuleLogs and UploadSupportBundle put blobs where sasUrl says; GetTaskStatus follows them', async () => {
    // A blob container over HTTPS (a certificate from the test CA, which config.yaml's
    // trusted_ca_certs gives the agent): it keeps what is PUT; the "locked" container says 403.
    const blobs = [];
    const store = https.createServer({ key: fs.readFileSync(certs.key), cert: fs.readFileSync(certs.cert) }, (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        if (req.url.startsWith('/locked/')) { res.writeHead(403); res.end('AuthenticationFailed'); return; }
        blobs.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(201); res.end();
      });
    });
    await new Promise((resolve) => store.listen(0, address, resolve));
    const container = `https://${address}:${store.address().port}/logs?sv=2021-08-06&sig=abc%2Bdef`;
    const call = (methodName, payload) => cloud.api('POST', `/twins/${deviceId}/modules/%24edgeAgent/methods`,
      { methodName, payload, responseTimeoutInSeconds: 10 });
    const finished = (id) => h.waitFor(`task ${id} to finish`, async () => {
      const r = await call('GetTaskStatus', { schemaVersion: '1.0', correlationId: id });
      return r.body.payload && ['Completed', 'Failed'].includes(r.body.payload.status) && r.body.payload;
    }, 20000, 100);
    try {
      const logs = await call('UploadModuleLogs', { schemaVersion: '1.0', sasUrl: container,
        items: [{ id: 'gamma', filter: { tail: 10 } }], encoding: 'none', contentType: 'json' });
      if (logs.body.status !== 200 || logs.body.payload.status !== 'NotStarted') throw new Error('UploadModuleLogs: ' + logs.text);
      const done = await finished(logs.body.payload.correlationId);
      if (done.status !== 'Completed') throw new Error('UploadModuleLogs task: ' + JSON.stringify(done));
      const blob = blobs.find((b) => /^\/logs\/[^/]+\/edge1\/gamma-\d{4}-\d\d-\d\d--\d\d-\d\d-\d\d\.json\?sv=2021-08-06&sig=abc%2Bdef$/.test(b.url));
      if (!blob) throw new Error('no log blob: ' + JSON.stringify(blobs.map((b) => b.url)));
      if (blob.method !== 'PUT' || blob.headers['x-ms-blob-type'] !== 'BlockBlob') throw new Error('not a Put Blob: ' + JSON.stringify(blob.headers));
      const lines = JSON.parse(blob.body.toString());
      if (!lines.some((l) => l.text === 'gamma says hi' && l.id === 'gamma')) throw new Error('blob content: ' + blob.body.toString().slice(0, 500));

      const bundle = await call('UploadSupportBundle', { schemaVersion: '1.0', sasUrl: container, edgeRuntimeOnly: false });
      const bundled = await finished(bundle.body.payload.correlationId);
      if (bundled.status !== 'Completed') throw new Error('UploadSupportBundle task: ' + JSON.stringify(bundled));
      const zip = blobs.find((b) => /\/edge1\/support-bundle-[-0-9]+\.zip\?/.test(b.url));
      if (!zip || zip.body.subarray(0, 2).toString() !== 'PK') throw new Error('no zip blob: ' + JSON.stringify(blobs.map((b) => b.url)));

      const locked = await call('UploadModuleLogs', { schemaVersion: '1.0', sasUrl: container.replace('/logs?', '/locked?'),
        items: [{ id: 'gamma' }], encoding: 'gzip', contentType: 'text' });
      const refused = await finished(locked.body.payload.correlationId);
      if (refused.status !== 'Failed' || !/403/.test(refused.message)) throw new Error('a 403 upload: ' + JSON.stringify(refused));
      const bad = await call('UploadModuleLogs', { schemaVersion: '1.0', items: [] });
      if (bad.body.status !== 400 || !/sasUrl/.test(bad.text)) throw new Error('no sasUrl: ' + bad.text);
      const unknown = await call('GetTaskStatus', { schemaVersion: '1.0', correlationId: 'nope' });
      if (unknown.body.payload.status !== 'Unknown') throw new Error('unknown task: ' + unknown.text);
    } finally {
      store.close();
    }
  }],
  ['an invalid deployment is refused with 412 and what runs stays', async () => {
    const applied = await cloud.api('POST', `/devices/${deviceId}/applyConfigurationContent`,
      content({ gamma: shell('echo "<4> gamma says hi"; echo plain line; exec sleep 600') }, { schemaVersion: '2.0' }));
    if (applied.status >= 300) throw new Error('apply: ' + applied.text);
    const rep = await h.waitFor('lastDesiredStatus 412', async () => {
      const r = await agentReported();
      return r.lastDesiredStatus && r.lastDesiredStatus.code === 412 && r;
    }, 30000);
    if (moduleStatus(rep, 'gamma') !== 'running') throw new Error('gamma stopped: ' + JSON.stringify(rep.modules));
  }],
  ['offline reboot: with the cloud down, a restarted device runs its modules at once (the encrypted backup)', async () => {
    await daemon.stop();  // the agent stops gamma on its way out
    const stopped = await runtimeModules();
    if (stopped.length) throw new Error('the daemon still answers after stopping');
    await cloud.stop();
    const started = Date.now();
    await daemon.start();
    await h.waitFor('gamma running again without the cloud', async () =>
      (await runtimeModules()).some((m) => m.name === 'gamma' && m.status.runtimeStatus.status === 'running'), 30000);
    console.log(`     (gamma running ${Date.now() - started} ms after outpostd started, cloud down)`);
    const backup = fs.readFileSync(path.join(home, 'modules', 'edgeAgent', 'work', 'backup.json'), 'utf8');
    if (backup.includes('gamma') || backup.includes('sleep')) throw new Error('the backup is not encrypted');
  }],
  ['the cloud comes back: the agent connects, reads its twin and reports again', async () => {
    await cloud.start();
    await h.waitFor('gamma reported running after the outage', async () => {
      const rep = await agentReported();
      return moduleStatus(rep, 'gamma') === 'running' && rep.lastDesiredStatus && rep.lastDesiredStatus.code === 412;
    }, 60000);
  }],
], async (failed) => {
  await stopAndReport(failed);
});
