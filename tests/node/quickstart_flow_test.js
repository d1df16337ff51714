// The quickstart (`make run`, scripts/run) as a test, on the process runtime: outpost-cloud, an
// IoT Edge device registered through its REST API, outpostd (manual provisioning) booting
// outpost-agent, and the quickstart's own deployment (scripts/quickstart-deployment.json)
// applied with applyConfigurationContent — edgeHub, the simulated temperature sensor and the
// temperature filter, both written with our C++ SDK. Telemetry and alerts reach the cloud;
// raising TemperatureThreshold through the cloud stops the alerts while readings go on;
// `outpost list` shows every module running; the agent's GetModuleLogs shows the sensor's output.
//
// `docker`: the same with every module a container of the images packaging/docker/build-images
// makes from this build (the agent too), on a bridge network the test creates. The cloud listens
// on that network's gateway address (the containers' way to the host), the device's host name is
// a DNS name that the hub's container answers to on the network, and the hub's ports are
// published on a loopback address of the host. Skipped loudly (exit 77) where no Docker engine
// can start.
//   usage: node quickstart_flow_test.js <outpostd> <outpost> <outpost-cloud> <deployment.json> [process|docker]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');
const d = require('./lib/docker');

const [outpostd, cli, cloudBinary, deploymentFile, runtime = 'process'] = process.argv.slice(2);
if (process.getuid() !== 0) {
  console.log('SKIP quickstart: binding ports 443 and 8883 needs root');
  process.exit(0);
}
const docker = runtime === 'docker';
const dir = h.tempDir(`outpost-quickstart-${runtime}`);
const network = `outpost-quickstart-${process.pid}`;
if (docker) {
  d.engineOrSkip('quickstart on Docker');
  d.removeLeftovers(['edgeAgent', 'edgeHub', 'SimulatedTemperatureSensor', 'filter']);
  d.buildOutpostImages(outpostd);
}
// Docker: the cloud on the gateway of a network of our own (this host, as the containers see it).
const cloudIp = docker ? d.createNetwork(network) : h.randomLoopback();
const edgeIp = h.randomLoopback();  // the hub's ports on the host
const edgeHostname = docker ? 'edge1.quickstart.local' : edgeIp;  // what modules dial
const certs = h.makeCertificates(dir, `IP:${cloudIp}`);
const deviceId = 'edge1';
const deviceKey = h.randomKey();
const home = path.join(dir, 'device');
const configFile = path.join(dir, 'config.yaml');
const cloud = new h.Cloud({ binary: cloudBinary, dir, hostname: cloudIp, certs,
  listen: { https: `${cloudIp}:443`, mqtts: `${cloudIp}:8883`, amqps: `${cloudIp}:5671`, http: '127.0.0.1:0' } });
fs.writeFileSync(configFile, JSON.stringify({
  provisioning: { source: 'manual', device_connection_string: `HostName=${cloudIp};DeviceId=${deviceId};SharedAccessKey=${deviceKey}` },
  hostname: edgeHostname, homedir: home, runtime,
  ...(docker ? { moby_runtime: { uri: 'unix:///var/run/docker.sock', network } } : {}),
  connect: { management_uri: `unix://${dir}/run/mgmt.sock`, workload_uri: `unix://${dir}/run/workload.sock` },
  certificates: { trusted_ca_certs: certs.ca },
}, null, 2));
const daemon = new h.Daemon('outpostd', outpostd, configFile, path.join(dir, 'outpostd-ready.json'), path.join(dir, 'outpostd.log'));
// In a container the hub listens on every address of its own network namespace.
const deployment = JSON.parse(fs.readFileSync(deploymentFile, 'utf8')
  .replace(/@HUB_LISTEN_IP@/g, docker ? '0.0.0.0' : edgeIp).replace(/@PUBLISH_IP@/g, edgeIp));

let cursor = 'start';
const seen = [];
async function newEvents() {
  const r = await cloud.api('GET', `/events?from=${cursor}&deviceId=${deviceId}&limit=1000`);
  if (r.status !== 200) throw new Error('events: ' + r.text);
  cursor = r.body.next;
  seen.push(...r.body.events);
  return r.body.events;
}
const isAlert = (e) => e.moduleId === 'filter' && e.applicationProperties && e.applicationProperties.MessageType === 'Alert';
const isReading = (e) => e.moduleId === 'SimulatedTemperatureSensor' && e.body && e.body.machine;
const moduleLog = (m) => {
  if (docker) return d.containerLog(m);
  const f = path.join(home, 'modules', m, 'output.log');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
};

h.runSteps(`quickstart (${runtime})`, [
  ['the cloud, the device registered, and the quickstart deployment applied through the REST API', async () => {
    await cloud.start();
    await cloud.registerEdgeDevice(deviceId, deviceKey, deployment);
  }],
  ['outpostd boots the agent; readings and alerts (above 25 °C) arrive in the cloud', async () => {
    const started = Date.now();
    await daemon.start();
    await h.waitFor('a reading in the cloud', async () => (await newEvents()).some(isReading), 60000, 250);
    console.log(`     (first reading in the cloud ${Date.now() - started} ms after outpostd started)`);
    await h.waitFor('an alert from the filter', async () => { await newEvents(); return seen.some(isAlert); }, 60000, 250);
    const alert = seen.find(isAlert);
    if (!(alert.body.machine.temperature > 25)) throw new Error('an alert at or below the threshold: ' + JSON.stringify(alert));
  }],
  ['`outpost list` shows every module running', async () => {
    const out = await h.waitFor('all four running', () => {
      const text = execFileSync(cli, ['list', '--config', configFile], { encoding: 'utf8' });
      return ['edgeAgent', 'edgeHub', 'SimulatedTemperatureSensor', 'filter'].every((m) => new RegExp(`${m}\\s+running`).test(text)) && text;
    }, 20000, 250);
    console.log(out.trimEnd().split('\n').map((l) => '     ' + l).join('\n'));
  }],
  ['the hub answers on its published port like a gateway: TLS on 8883 with a certificate for the device\'s host name', async () => {
    const tls = require('tls');
    const peer = await h.withTimeout('TLS to the hub', new Promise((resolve, reject) => {
      const socket = tls.connect({ host: edgeIp, port: 8883, servername: edgeHostname, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate());
        socket.end();
      });
      socket.on('error', reject);
    }));
    const names = String(peer.subjectaltname).split(', ');
    if (!names.includes(`DNS:${edgeHostname}`) && !names.includes(`IP Address:${edgeHostname}`))
      throw new Error('the hub\'s certificate: ' + peer.subjectaltname);
  }],
  ['TemperatureThreshold raised through the cloud: the alerts stop, the readings go on', async () => {
    const r = await cloud.api('PATCH', `/twins/${deviceId}/modules/filter`, { properties: { desired: { TemperatureThreshold: 1000 } } });
    if (r.status !== 200) throw new Error('patch: ' + r.text);
    await h.waitFor('the filter to report TemperatureThreshold 1000', async () => {
      const twin = await cloud.api('GET', `/twins/${deviceId}/modules/filter`);
      return twin.status === 200 && twin.body.properties.reported.TemperatureThreshold === 1000;
    }, 30000, 250);
    await newEvents();  // what was sent before the change
    const before = seen.length;
    await h.waitFor('five more readings', async () => { await newEvents(); return seen.slice(before).filter(isReading).length >= 5; }, 30000, 250);
    const late = seen.slice(before).filter(isAlert);
    if (late.length) throw new Error(`${late.length} alerts after the threshold went to 1000: ` + JSON.stringify(late[0]));
  }],
  ['`iotedge check`: configuration and connectivity to the cloud (HTTPS, MQTT TLS handshakes) pass', async () => {
    const text = execFileSync(cli, ['check', '--config', configFile], { encoding: 'utf8' });
    for (const line of ['\u221a config.yaml is well-formed - OK', '\u221a outpostd answers on its management URI - OK',
                        'IoT Hub MQTT port - OK', 'IoT Hub HTTPS / WebSockets port - OK', "host time is close to the IoT hub's - OK"])
      if (!text.includes(line)) throw new Error(`no "${line}" in:\n${text}`);
    const report = JSON.parse(execFileSync(cli, ['check', '--config', configFile, '-o', 'json'], { encoding: 'utf8' }));
    if (report.checks['host-connect-iothub-mqtt'].result !== 'OK') throw new Error(JSON.stringify(report));
  }],
  ["the agent's GetModuleLogs (what `iotedge logs` reads) shows the sensor's output", async () => {
    const r = await cloud.api('POST', `/twins/${deviceId}/modules/%24edgeAgent/methods`, { methodName: 'GetModuleLogs',
      payload: { schemaVersion: '1.0', items: [{ id: 'SimulatedTemperatureSensor', filter: { tail: 20 } }], encoding: 'none', contentType: 'text' },
      responseTimeoutInSeconds: 10 });
    const text = r.status === 200 && r.body.status === 200 && String(r.body.payload[0].payload);
    if (!text || !/sensor: sending/.test(text)) throw new Error('GetModuleLogs: ' + JSON.stringify(r.body).slice(0, 1000));
  }],
], async (failed) => {
  // Each step on its own: containers must go even when a stop fails.
  try { await daemon.stop(); } catch (e) { console.log('stopping outpostd: ' + e); }  // the agent stops its modules
  try { await cloud.stop(); } catch (e) { console.log('stopping the cloud: ' + e); }
  if (failed) {
    console.log('outpostd log:\n' + daemon.log().slice(-3000));
    for (const m of ['edgeAgent', 'edgeHub', 'SimulatedTemperatureSensor', 'filter']) console.log(`${m}:\n` + moduleLog(m).slice(-2000));
    console.log('kept ' + dir);
  }
  if (docker) d.removeDevice(home, network);
  else h.killModules(home);
  if (!failed) fs.rmSync(dir, { recursive: true, force: true });
});
