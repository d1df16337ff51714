// The dashboard with the real runtime: outpostd (manual provisioning, process runtime) boots
// outpost-agent against outpost-cloud (on 443 and 8883 of a loopback address of its own); a
// deployment runs a module that keeps crashing next to a healthy one. In headless Chromium the
// edge device's page shows what the real agent reports — the crashing module failing, with
// its exit code and restarts, the healthy one running, lastDesiredStatus 200 — and the
// crashing module's own output through the agent's GetModuleLogs.
//   usage: node dashboard_agent_test.js <outpostd> <outpost-cloud> <artifacts folder>
'use strict';
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');
const b = require('./lib/browser');

const [outpostd, cloudBinary, artifacts] = process.argv.slice(2);
const dir = h.tempDir('outpost-dashboard-agent');
const { address, deviceId, deviceKey, cloud, daemon, stopAndReport } = h.edgeDeviceWithCloud(dir, outpostd, cloudBinary);
const shell = (command) => ({ version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always',
  settings: { image: 'test/shell:1.0', createOptions: JSON.stringify({ Cmd: ['-c', command] }) } });
const content = { modulesContent: {
  $edgeAgent: { 'properties.desired': { schemaVersion: '1.1', runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25' } },
    systemModules: { edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5' } } },
    modules: { healthy: shell('exec sleep 600'), crashy: shell('echo "crashy: fatal: sensor not found"; exit 3') } } },
  $edgeHub: { 'properties.desired': { schemaVersion: '1.1', routes: {}, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } } } };
let browser;
let page;
const wait = (what, fn, arg, ms) => b.waitInPage(page, what, fn, arg, ms);

if (process.getuid && process.getuid() !== 0) {
  console.log('SKIP dashboard-agent: the cloud binds port 443, which needs root');
  process.exit(77);
}

h.runSteps('dashboard-agent', [
  ['outpost-cloud, an edge device with a deployment, outpostd booting outpost-agent; Chromium', async () => {
    const launched = await b.launch();
    if (launched.skip) {
      console.log(`SKIP dashboard-agent: ${launched.skip}`);
      process.exit(77);
    }
    browser = launched.browser;
    await cloud.start();
    await cloud.registerEdgeDevice(deviceId, deviceKey, content);
    await daemon.start();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
  }],
  ['signed in, the edge device\'s page shows the crashing module failing and the healthy one running', async () => {
    const key = /SharedAccessKey=([^;]+)/.exec(cloud.connectionString())[1];
    await page.goto(`http://127.0.0.1:${cloud.ports.http}/#/devices/${deviceId}`);
    await page.$eval('#signin-key', (el, v) => { el.value = v; el.dispatchEvent(new Event('input', { bubbles: true })); },
      `HostName=${address};SharedAccessKeyName=iothubowner;SharedAccessKey=${key}`);
    await page.click('#signin-submit');
    await wait('healthy running', () => document.querySelector('#edge-modules tr[data-module="healthy"][data-status="running"] .badge.ok'),
      undefined, 60000);
    await wait('crashy failing', () => document.querySelector('#edge-modules tr[data-module="crashy"] .badge.bad'), undefined, 60000);
    const row = await page.$eval('#edge-modules tr[data-module="crashy"]', (r) => r.textContent);
    if (!/failed|backoff/.test(row)) throw new Error('crashy row: ' + row);
    await wait('lastDesiredStatus 200', () => /Last deployment: 200/.test(document.querySelector('#agent-summary')?.textContent));
  }],
  ['the crashing module\'s output through the agent\'s GetModuleLogs', async () => {
    await page.click('button[data-logs="crashy"]');
    await wait('crashy\'s own line', () => /fatal: sensor not found/.test(document.querySelector('#module-logs')?.textContent), undefined, 20000);
    await b.screenshotter(page, artifacts)('real-agent');
  }],
], async (failed) => {
  if (browser) await browser.close();
  await stopAndReport(failed);
});
