// The cloud-side CLI against a real outpost-cloud: `outpost cloud device create|list|show|delete`,
// `twin update|show`, `deployment apply --device` and `--target-condition`, and `invoke` (an
// error exit with the cloud's words when the target is not connected); the connection string
// from OUTPOST_CLOUD_CONNECTION_STRING.
//   usage: node cloud_cli_test.js <outpost-cloud> <outpost>
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');

const [cloudBinary, cli] = process.argv.slice(2);
const dir = h.tempDir('outpost-cloud-cli');
const certs = h.makeCertificates(dir);
const cloud = new h.Cloud({ binary: cloudBinary, dir, hostname: 'cli.cloud.local', certs, listen: { http: '127.0.0.1:0', mqtt: '127.0.0.1:0' } });
let env;
const run = (...args) => execFileSync(cli, ['cloud', ...args, '--url', `http://127.0.0.1:${cloud.ports.http}`], { encoding: 'utf8', env });
const fails = (...args) => spawnSync(cli, ['cloud', ...args, '--url', `http://127.0.0.1:${cloud.ports.http}`], { encoding: 'utf8', env });

h.runSteps('cloud-cli', [
  ['device create (an edge device and a leaf), list and show', async () => {
    await cloud.start();
    env = Object.assign({}, process.env, { OUTPOST_CLOUD_CONNECTION_STRING: cloud.connectionString() });
    const edge = JSON.parse(run('device', 'create', 'gw1', '--edge'));
    if (edge.deviceId !== 'gw1' || !edge.capabilities.iotEdge || !edge.authentication.symmetricKey.primaryKey)
      throw new Error('create: ' + JSON.stringify(edge));
    run('device', 'create', 'leaf1', '--key', Buffer.alloc(32, 7).toString('base64'));
    const table = run('device', 'list');
    if (!/gw1\s+yes\s+enabled/.test(table) || !/leaf1\s+no/.test(table)) throw new Error('list:\n' + table);
    if (JSON.parse(run('device', 'list', '-o', 'json')).length !== 2) throw new Error('list -o json');
    if (JSON.parse(run('device', 'show', 'leaf1')).authentication.symmetricKey.primaryKey !== Buffer.alloc(32, 7).toString('base64'))
      throw new Error('show: the key given is not the key kept');
    // X.509: the thumbprint of a certificate file, as Node's crypto computes it.
    const x509 = JSON.parse(run('device', 'create', 'cam1', '--certificate', certs.ca)).authentication;
    const expected = new (require('crypto').X509Certificate)(fs.readFileSync(certs.ca)).fingerprint.replace(/:/g, '');
    if (x509.type !== 'selfSigned' || x509.x509Thumbprint.primaryThumbprint !== expected)
      throw new Error('create --certificate: ' + JSON.stringify(x509));
    if (JSON.parse(run('device', 'create', 'cam2', '--ca-signed')).authentication.type !== 'certificateAuthority')
      throw new Error('create --ca-signed');
    const both = fails('device', 'create', 'cam3', '--key', 'abc', '--thumbprint', 'AB');
    if (both.status === 0 || !/choose one of --key, --certificate, --thumbprint, --ca-signed/.test(both.stderr))
      throw new Error('two credentials: ' + both.stderr);
    run('device', 'delete', 'cam1');
    run('device', 'delete', 'cam2');
  }],
  ['twin update and show', async () => {
    run('twin', 'update', 'leaf1', '--desired', '{"interval": 5}', '--tags', '{"site": "plant-1"}');
    const twin = JSON.parse(run('twin', 'show', 'leaf1'));
    if (twin.properties.desired.interval !== 5 || twin.tags.site !== 'plant-1') throw new Error('twin: ' + JSON.stringify(twin));
    const bad = fails('twin', 'update', 'leaf1', '--desired', '{not json');
    if (bad.status !== 2 || !/not JSON/.test(bad.stderr)) throw new Error('bad JSON: ' + bad.status + ' ' + bad.stderr);
  }],
  ['deployment apply to a device and to a target condition', async () => {
    const manifest = path.join(dir, 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(path.join(__dirname, '..', '..', 'scripts', 'quickstart-deployment.json'), 'utf8')
      .replace(/@EDGE_IP@/g, '127.0.0.1'));
    if (!/applied to gw1/.test(run('deployment', 'apply', manifest, '--device', 'gw1'))) throw new Error('apply --device');
    const agent = JSON.parse(run('twin', 'show', 'gw1', '$edgeAgent'));
    if (!agent.properties.desired.modules.SimulatedTemperatureSensor) throw new Error('$edgeAgent: ' + JSON.stringify(agent.properties.desired));
    const config = JSON.parse(run('deployment', 'apply', manifest, '--target-condition', 'capabilities.iotEdge = true', '--id', 'fleet', '--priority', '5'));
    if (config.id !== 'fleet' || config.priority !== 5) throw new Error('configuration: ' + JSON.stringify(config));
  }],
  ['invoke on a device that is not connected fails with the cloud\'s words; delete', async () => {
    const r = fails('invoke', 'leaf1', '-', 'reboot', '{"delay": 1}', '--timeout', '5');
    if (r.status !== 1 || !/404/.test(r.stderr)) throw new Error(`invoke: ${r.status} ${r.stdout} ${r.stderr}`);
    if (run('device', 'delete', 'leaf1').trim() !== 'leaf1') throw new Error('delete');
    if (/leaf1/.test(run('device', 'list'))) throw new Error('leaf1 is still listed');
    const gone = fails('device', 'show', 'leaf1');
    if (gone.status !== 1 || !/404/.test(gone.stderr)) throw new Error('show after delete: ' + gone.stderr);
    const none = spawnSync(cli, ['cloud', 'device', 'list', '--url', 'http://127.0.0.1:1'], { encoding: 'utf8', env: process.env });
    if (none.status !== 2 || !/OUTPOST_CLOUD_CONNECTION_STRING/.test(none.stderr)) throw new Error('no connection string: ' + none.stderr);
  }],
], async (failed) => {
  await cloud.stop();
  if (failed) console.log('cloud log:\n' + cloud.log().slice(-3000) + '\nkept ' + dir);
  else fs.rmSync(dir, { recursive: true, force: true });
});
