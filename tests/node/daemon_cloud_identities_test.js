// outpostd provisioned manually (an edge device's connection string) against outpost-cloud on
// IoT Hub's standard ports (443, 8883) on a loopback address of its own: the daemon creates
// its modules' identities in the cloud registry with keys derived from its master key, and a
// module using the official SDK's ModuleClient.fromEnvironment() authenticates to the cloud
// with the token our workload API signed. Removing the identity removes it from the cloud.
// With `x509`, the edge device is registered with a self-signed certificate's thumbprint and
// the daemon manages the identities authenticated by that certificate (provisioning
// authentication method x509) instead of a SAS key.
//   usage: node daemon_cloud_identities_test.js <outpostd> <outpost-cloud> [sas|x509]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');

const [outpostd, cloudBinary, method = 'sas'] = process.argv.slice(2);
const dir = h.tempDir('outpost-daemon-cloud');
const address = h.randomLoopback();
const certs = h.makeCertificates(dir, `IP:${address}`);
const deviceId = 'edge1';
const deviceKey = h.randomKey();
// X.509: the device's own certificate, self-signed, known to the cloud by its thumbprint.
const identity = { cert: path.join(dir, 'device-identity.pem'), key: path.join(dir, 'device-identity.key') };
if (method === 'x509') {
  require('child_process').execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', identity.key, '-out', identity.cert, '-days', '2', '-subj', `/CN=${deviceId}`], { stdio: 'pipe' });
}
const provisioning = method === 'x509'
  ? { source: 'manual', authentication: { method: 'x509', iothub_hostname: address, device_id: deviceId,
                                          identity_cert: `file://${identity.cert}`, identity_pk: `file://${identity.key}` } }
  : { source: 'manual', device_connection_string: `HostName=${address};DeviceId=${deviceId};SharedAccessKey=${deviceKey}` };
const deviceAuthentication = method === 'x509'
  ? { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: new crypto.X509Certificate(fs.readFileSync(identity.cert)).fingerprint256 } }
  : { type: 'sas', symmetricKey: { primaryKey: deviceKey, secondaryKey: deviceKey } };
const home = path.join(dir, 'home');
const moduleScript = path.join(__dirname, 'lib', 'edge_module.js');
// The cloud's host name is its address: tokens name it, the daemon dials https://<it>:443.
const cloud = new h.Cloud({ binary: cloudBinary, dir, hostname: address, certs,
  listen: { https: `${address}:443`, mqtts: `${address}:8883`, http: '127.0.0.1:0' } });

fs.writeFileSync(path.join(dir, 'agent.sh'), `#!/bin/sh
mgmt=\${IOTEDGE_MANAGEMENTURI#unix://}
api='api-version=2020-07-07'
spec='{"name":"sdkmod","type":"docker","config":{"settings":{"image":"node/sdk:1","createOptions":{"Cmd":["${moduleScript}"]}},"env":[]}}'
curl -s --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d '{"moduleId":"sdkmod","managedBy":"IotEdge"}' "http://localhost/identities?$api" > identity.json
curl -s --unix-socket "$mgmt" -X POST -H 'Content-Type: application/json' -d "$spec" "http://localhost/modules?$api" > create.json
curl -s --unix-socket "$mgmt" -X POST "http://localhost/modules/sdkmod/start?$api"
while [ ! -f "${dir}/remove" ]; do sleep 0.05; done
curl -s --unix-socket "$mgmt" -X DELETE "http://localhost/modules/sdkmod?$api"
curl -s -w '%{http_code}' --unix-socket "$mgmt" -X DELETE "http://localhost/identities/sdkmod?$api" > removed.txt
exec sleep 100000
`, { mode: 0o755 });
fs.writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify({
  provisioning,
  hostname: address,  // modules dial their gateway: here the cloud itself, to prove the keys are the cloud's
  homedir: home,
  connect: { management_uri: `unix://${dir}/run/mgmt.sock`, workload_uri: `unix://${dir}/run/workload.sock` },
  runtime: 'process',
  certificates: { trusted_ca_certs: certs.ca },
  images: { 'mcr.microsoft.com/azureiotedge-agent:*': `process://${dir}/agent.sh`, 'node/sdk:*': `process://${process.execPath}` },
}, null, 2));
const daemon = new h.Daemon('outpostd', outpostd, path.join(dir, 'config.yaml'), path.join(dir, 'outpostd-ready.json'),
                            path.join(dir, 'outpostd.log'));
const agentWork = path.join(home, 'modules', 'edgeAgent', 'work');
const moduleWork = path.join(home, 'modules', 'sdkmod', 'work');
const derived = (module, generation, slot) =>
  crypto.createHmac('sha256', fs.readFileSync(path.join(home, 'keys', 'master.key'))).update(`${module}:${generation}:${slot}`).digest('base64');

h.runSteps(`node-sdk/outpostd+cloud (${method})`, [
  ['outpost-cloud runs on 443 and 8883 with the edge device registered', async () => {
    await cloud.start();
    const r = await cloud.api('PUT', `/devices/${deviceId}`, { capabilities: { iotEdge: true },
      authentication: deviceAuthentication });
    if (r.status !== 200) throw new Error('register: ' + r.text);
  }],
  ['outpostd puts $edgeAgent and the module in the cloud with derived keys', async () => {
    await daemon.start();
    // The cloud creates the identity with keys of its own, then the daemon replaces them with
    // derived ones (they depend on the generation the cloud assigned); the daemon answers the
    // agent's POST only after both, so the agent's copy of the answer is the moment to look.
    const identityFile = path.join(agentWork, 'identity.json');
    const local = await h.waitFor('the daemon to answer the agent with the identity', () => {
      try { return JSON.parse(fs.readFileSync(identityFile, 'utf8')); } catch (_) { return false; }
    }, 20000);
    const r = await cloud.api('GET', `/devices/${deviceId}/modules/sdkmod`);
    if (r.status !== 200) throw new Error('the module identity is not in the cloud: ' + r.status);
    const created = r.body;
    const generation = created.generationId;
    if (created.authentication.symmetricKey.primaryKey !== derived('sdkmod', generation, 'primary'))
      throw new Error('the cloud has other keys: ' + JSON.stringify(created.authentication));
    if (local.generationId !== generation) throw new Error(`generations differ: ${local.generationId} vs ${generation}`);
    const agent = await cloud.api('GET', `/devices/${deviceId}/modules/%24edgeAgent`);
    if (agent.body.authentication.symmetricKey.primaryKey !== derived('$edgeAgent', agent.body.generationId, 'primary'))
      throw new Error('$edgeAgent keeps other keys');
  }],
  ['the module authenticates to the cloud with a token from our workload API', async () => {
    const result = await h.waitFor('the module to report', () => {
      const file = path.join(moduleWork, 'result.json');
      return fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8'));
    }, 30000);
    if (!result.ok) throw new Error('the module failed: ' + JSON.stringify(result) + '\n' + cloud.log().slice(-3000));
  }],
  ['removing the identity removes it from the cloud', async () => {
    fs.writeFileSync(path.join(dir, 'remove'), '');
    await h.waitFor('the identity to be removed', () =>
      fs.existsSync(path.join(agentWork, 'removed.txt')) && fs.readFileSync(path.join(agentWork, 'removed.txt'), 'utf8') === '204', 20000);
    const r = await cloud.api('GET', `/devices/${deviceId}/modules/sdkmod`);
    if (r.status !== 404) throw new Error('still in the cloud: ' + r.status);
  }],
], async (failed) => {
  await daemon.stop();
  await cloud.stop();
  h.killModules(home);
  if (failed) console.log('outpostd log:\n' + daemon.log().slice(-4000) + '\nkept ' + dir);
  else fs.rmSync(dir, { recursive: true, force: true });
});
