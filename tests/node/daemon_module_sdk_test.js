// The official Node SDK as a module of outpostd: ModuleClient.fromEnvironment() gets its SAS
// token and trust bundle from our workload API, unchanged, and connects to outpost-hub
// (whose server certificate the daemon's edge CA issued) with the key the daemon derived.
// The module runs under the process runtime, deployed by an agent through the management API.
// With a third argument, the module is that program instead: a module written with our C++
// SDK (tests/client/sdk_env_module.cpp), which also renews its token (signed again by the
// workload API) every few seconds.
//   usage: node daemon_module_sdk_test.js <outpostd> <outpost-hub> [<C++ SDK module>]
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');

const [outpostd, hubBinary, cppModule] = process.argv.slice(2);
const dir = h.tempDir('outpost-daemon-sdk');
const gateway = h.randomLoopback();  // the hub's 8883 on an address of its own: no port fights
const hubHost = 'myhub.local';
const deviceId = 'edge1';
const home = path.join(dir, 'home');
const moduleScript = path.join(__dirname, 'lib', 'edge_module.js');

// The agent: creates the module's identity, says its generation id, waits for the test to
// start the hub, then deploys the module (node running edge_module.js).
fs.writeFileSync(path.join(dir, 'agent.sh'), `#!/bin/sh
mgmt=\${IOTEDGE_MANAGEMENTURI#unix://}
api='api-version=2020-07-07'
curl -s --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d '{"moduleId":"sdkmod","managedBy":"IotEdge"}' "http://localhost/identities?$api" > identity.json
while [ ! -f "${dir}/go" ]; do sleep 0.05; done
spec='${cppModule
    ? '{"name":"sdkmod","type":"docker","config":{"settings":{"image":"node/sdk:1","createOptions":{}},"env":[{"key":"OUTPOST_TOKEN_LIFETIME","value":"4"}]}}'
    : `{"name":"sdkmod","type":"docker","config":{"settings":{"image":"node/sdk:1","createOptions":{"Cmd":["${moduleScript}"]}},"env":[]}}`}'
curl -s --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d "$spec" "http://localhost/modules?$api" > create.json
curl -s --unix-socket "$mgmt" -X POST "http://localhost/modules/sdkmod/start?$api"
exec sleep 100000
`, { mode: 0o755 });
fs.writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify({
  provisioning: { source: 'local', device_id: deviceId, iothub_hostname: hubHost },
  hostname: gateway,
  homedir: home,
  connect: { management_uri: `unix://${dir}/run/mgmt.sock`, workload_uri: `unix://${dir}/run/workload.sock` },
  runtime: 'process',
  images: { 'mcr.microsoft.com/azureiotedge-agent:*': `process://${dir}/agent.sh`, 'node/sdk:*': `process://${cppModule || process.execPath}` },
}, null, 2));

const daemon = new h.Daemon('outpostd', outpostd, path.join(dir, 'config.yaml'), path.join(dir, 'outpostd-ready.json'),
                            path.join(dir, 'outpostd.log'));
let hub;
const agentWork = path.join(home, 'modules', 'edgeAgent', 'work');
const moduleWork = path.join(home, 'modules', 'sdkmod', 'work');

// The hub's server certificate, issued by the daemon's edge CA for the gateway address.
function issueHubCertificate() {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'hub.key', '-out', 'hub.csr',
       '-subj', `/CN=${gateway}`]);
  fs.writeFileSync(path.join(dir, 'hub.ext'), `subjectAltName=IP:${gateway}\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', 'hub.csr', '-CA', path.join(home, 'ca', 'edge-ca.pem'), '-CAkey', path.join(home, 'ca', 'edge-ca.key'),
       '-CAcreateserial', '-out', 'hub.pem', '-days', '2', '-extfile', 'hub.ext']);
  return { cert: path.join(dir, 'hub.pem'), key: path.join(dir, 'hub.key') };
}

h.runSteps(cppModule ? 'cpp-sdk/outpostd' : 'node-sdk/outpostd', [
  ['outpostd starts and its agent creates the module identity', async () => {
    await daemon.start();
    await h.waitFor('the identity', () => fs.existsSync(path.join(agentWork, 'identity.json')) &&
                    fs.readFileSync(path.join(agentWork, 'identity.json'), 'utf8').includes('generationId'));
  }],
  ['outpost-hub starts with a certificate from the edge CA and the derived module key', async () => {
    const identity = JSON.parse(fs.readFileSync(path.join(agentWork, 'identity.json'), 'utf8'));
    const master = fs.readFileSync(path.join(home, 'keys', 'master.key'));
    const key = crypto.createHmac('sha256', master).update(`sdkmod:${identity.generationId}:primary`).digest('base64');
    hub = new h.Hub({ binary: hubBinary, dir, hostname: hubHost, deviceId, certs: issueHubCertificate(), policyKey: h.randomKey(),
                      mqtts: `${gateway}:8883`, identities: [{ deviceId, moduleId: 'sdkmod', primaryKey: key }],
                      routes: { all: 'FROM /messages/* INTO $upstream' } });
    await hub.start();
    fs.writeFileSync(path.join(dir, 'go'), '');
  }],
  [`the module (${cppModule ? 'C++' : 'Node'} SDK) connects with ModuleClient.fromEnvironment() and sends`, async () => {
    const result = await h.waitFor('the module to report', () => {
      const file = path.join(moduleWork, 'result.json');
      return fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8'));
    }, 30000);
    if (!result.ok) throw new Error('the module failed: ' + JSON.stringify(result) + '\n' + hub.log().slice(-3000));
    const metrics = await hub.metrics();
    if (!/sdkmod/.test(hub.log())) throw new Error('the hub never saw sdkmod:\n' + hub.log().slice(-2000));
    if (!metrics) throw new Error('no metrics');
  }],
], async (failed) => {
  if (hub) await hub.stop();
  await daemon.stop();
  // The module outlives the daemon by design (the agent stops modules; this one does not).
  h.killModules(home);
  if (failed) console.log('outpostd log:\n' + daemon.log().slice(-3000) + '\nkept ' + dir);
  else fs.rmSync(dir, { recursive: true, force: true });
});
