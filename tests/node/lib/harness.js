// Test harness for running the official Azure IoT Node SDKs against our binaries:
// a throw-away CA and server certificate, hub configuration, process control, bounded waits.
'use strict';
const { execFileSync, spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix + '-'));
}

// A CA and a server certificate for 127.0.0.1-3 and localhost (or the subjectAltName given,
// e.g. 'DNS:hub.test,IP:127.8.9.10'), made fresh for each run.
function makeCertificates(dir, san = 'IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.3,DNS:localhost') {
  const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
       '-subj', '/CN=Outpost Test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  fs.writeFileSync(path.join(dir, 'san.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem',
       '-days', '2', '-extfile', 'san.ext']);
  return { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}

function randomKey() {
  return crypto.randomBytes(32).toString('base64');
}

// SharedAccessSignature for a resource (already a plain URI: host/devices/d[/modules/m], or host).
function sasToken(resource, key, policy, ttlSeconds = 3600) {
  const se = Math.floor(Date.now() / 1000) + ttlSeconds;
  const sr = encodeURIComponent(resource);
  const sig = crypto.createHmac('sha256', Buffer.from(key, 'base64')).update(sr + '\n' + se).digest('base64');
  let token = `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${se}`;
  if (policy) token += `&skn=${policy}`;
  return token;
}

// One JSON request to 127.0.0.1:port; resolves {status, body (parsed or undefined), text}.
function httpJson(port, method, pathAndQuery, authorization, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: pathAndQuery,
      headers: { Authorization: authorization, 'Content-Type': 'application/json',
                 ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) } },
    (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let parsed;
        try { parsed = text ? JSON.parse(text) : undefined; } catch (_) { parsed = undefined; }
        resolve({ status: res.statusCode, body: parsed, text });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function waitFor(what, condition, timeoutMs = 10000, intervalMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function withTimeout(what, promise, timeoutMs = 10000) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs); }),
  ]);
}

// One of our daemons run with `--config F --ready-file R`: start() resolves with the ports
// it bound and pins them in the config, so a restart comes back where its clients expect it
// (as a real gateway or cloud does).
class Daemon {
  constructor(name, binary, configFile, readyFile, logFile) {
    Object.assign(this, { name, binary, configFile, readyFile, logFile });
  }

  async start() {
    try { fs.unlinkSync(this.readyFile); } catch (_) { /* first start */ }
    const log = fs.openSync(this.logFile, 'a');
    this.process = spawn(this.binary, ['--config', this.configFile, '--ready-file', this.readyFile],
      { stdio: ['ignore', log, log] });
    this.exited = false;
    this.process.on('exit', () => { this.exited = true; });
    this.ports = await waitFor(`${this.name} to report its ports`, () => {
      if (this.exited) throw new Error(`${this.name} exited:\n` + fs.readFileSync(this.logFile, 'utf8'));
      return fs.existsSync(this.readyFile) && JSON.parse(fs.readFileSync(this.readyFile, 'utf8'));
    });
    let yaml = fs.readFileSync(this.configFile, 'utf8');
    for (const [key, port] of Object.entries(this.ports)) {
      yaml = yaml.replace(new RegExp(`${key}: "([0-9.]+):0"`), `${key}: "$1:${port}"`);
    }
    fs.writeFileSync(this.configFile, yaml);
    return this.ports;
  }

  async stop(signal = 'SIGTERM') {
    if (!this.process || this.exited) return;
    this.process.kill(signal);
    await waitFor(`${this.name} to exit`, () => this.exited, 10000);
  }

  log() { return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : ''; }
}

// Runs outpost-hub with a generated hub.yaml.
class Hub extends Daemon {
  constructor({ binary, dir, hostname, deviceId, identities, routes, certs, policyKey, extraYaml = '', wss = '127.0.0.1:0', mqtts = '127.0.0.1:0',
                amqps = null }) {
    super('outpost-hub', binary, path.join(dir, 'hub.yaml'), path.join(dir, 'ready.json'), path.join(dir, 'hub.log'));
    Object.assign(this, { dir, hostname, deviceId, certs, policyKey });
    fs.writeFileSync(path.join(dir, 'identities.json'), JSON.stringify(identities, null, 2));
    fs.writeFileSync(path.join(dir, 'edgehub.json'), JSON.stringify({
      schemaVersion: '1.1', routes, storeAndForwardConfiguration: { timeToLiveSecs: 7200 } }, null, 2));
    fs.writeFileSync(this.configFile, [
      `hostname: ${hostname}`,
      `device_id: ${deviceId}`,
      `listen: { mqtt: "127.0.0.1:0", mqtts: "${mqtts}", wss: "${wss}", metrics: "127.0.0.1:0"${amqps ? `, amqps: "${amqps}"` : ''} }`,
      `tls: { cert: ${certs.cert}, key: ${certs.key} }`,
      `storage: { folder: ${path.join(dir, 'store')} }`,
      'identities: identities.json',
      'desired: edgehub.json',
      'log_level: debug',
      `management: { policies: [ { name: iothubowner, primary_key: "${policyKey}" } ] }`,
      extraYaml,
    ].join('\n') + '\n');
  }

  // A call to the hub's management API (IoT Hub service REST shape).
  api(method, pathAndQuery, body) {
    return httpJson(this.ports.metrics, method, pathAndQuery, sasToken(this.hostname, this.policyKey, 'iothubowner'), body);
  }

  metrics() {
    return new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: this.ports.metrics, path: '/metrics' }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
  }
}

// Runs outpost-cloud with a generated cloud.yaml.
// `listen` maps listener names (mqtts, wss, mqtt, https, http) to host:port.
class Cloud extends Daemon {
  constructor({ binary, dir, hostname, listen, certs, extraYaml = '' }) {
    super('outpost-cloud', binary, path.join(dir, 'cloud.yaml'), path.join(dir, 'cloud-ready.json'), path.join(dir, 'cloud.log'));
    Object.assign(this, { dir, hostname, certs });
    const listeners = Object.entries(listen).map(([k, v]) => `${k}: "${v}"`).join(', ');
    fs.writeFileSync(this.configFile, [
      `hostname: ${hostname}`,
      `listen: { ${listeners} }`,
      `tls: { cert: ${certs.cert}, key: ${certs.key} }`,
      `storage: { folder: ${path.join(dir, 'cloud-store')} }`,
      'telemetry: { stream_heartbeat_secs: 1 }',
      'log_level: debug',
      extraYaml,
    ].join('\n') + '\n');
  }

  // The service connection string of a policy (creates the policies on the first start).
  connectionString(policy = 'iothubowner') {
    return execFileSync(this.binary, ['--config', this.configFile, '--print-connection-string', policy],
      { encoding: 'utf8' }).trim();
  }

  // A call to the service REST API over the plain-HTTP listener, as iothubowner.
  api(method, pathAndQuery, body) {
    if (!this.ownerKey) this.ownerKey = /SharedAccessKey=([^;]+)/.exec(this.connectionString())[1];
    const sep = pathAndQuery.includes('?') ? '&' : '?';
    return httpJson(this.ports.http, method, pathAndQuery + sep + 'api-version=2021-04-12',
      sasToken(this.hostname, this.ownerKey, 'iothubowner'), body);
  }
}

// The IoT Edge device `deviceId` registered with a SAS key (both slots), then `content`
// ({"modulesContent": …}) applied to it as IoT Hub's applyConfigurationContent does.
Cloud.prototype.registerEdgeDevice = async function registerEdgeDevice(deviceId, key, content) {
  const r = await this.api('PUT', `/devices/${deviceId}`, { capabilities: { iotEdge: true },
    authentication: { type: 'sas', symmetricKey: { primaryKey: key, secondaryKey: key } } });
  if (r.status !== 200) throw new Error('register: ' + r.text);
  if (!content) return;
  const applied = await this.api('POST', `/devices/${deviceId}/applyConfigurationContent`, content);
  if (applied.status >= 300) throw new Error('apply: ' + applied.text);
};

// A random loopback address (127.x.y.z), so parallel test runs never share fixed ports.
function randomLoopback() {
  const b = crypto.randomBytes(3);
  return `127.${1 + (b[0] % 250)}.${1 + (b[1] % 250)}.${1 + (b[2] % 250)}`;
}

// Modules outlive an outpostd that ended without its agent stopping them (by design: a
// restarted daemon adopts them). After a test, whatever is left under `home` is killed.
function killModules(home) {
  const folder = path.join(home, 'modules');
  for (const m of fs.existsSync(folder) ? fs.readdirSync(folder) : []) {
    try {
      const state = JSON.parse(fs.readFileSync(path.join(folder, m, 'module.json'), 'utf8'));
      if (state.pid > 0) process.kill(-state.pid, 'SIGKILL');
    } catch (_) { /* not running */ }
  }
}

// Runs async test steps in order, printing each; exits non-zero on the first failure.
async function runSteps(name, steps, cleanup) {
  let failed = false;
  for (const [title, fn] of steps) {
    const t0 = Date.now();
    try {
      await fn();
      console.log(`ok   ${name}: ${title} (${Date.now() - t0} ms)`);
    } catch (e) {
      console.log(`FAIL ${name}: ${title}: ${e && e.stack ? e.stack : e}`);
      failed = true;
      break;
    }
  }
  try { await cleanup(failed); } catch (e) { console.log('cleanup: ' + e); }
  process.exit(failed ? 1 : 0);
}

// An IoT Edge device with a cloud, as the agent tests set it up: outpost-cloud on 443 and 8883 of
// a loopback address of its own, and outpostd provisioned manually against it (process runtime,
// `test/shell:*` images run as shell commands). Nothing is started: the caller starts both.
function edgeDeviceWithCloud(dir, outpostd, cloudBinary) {
  const address = randomLoopback();
  const certs = makeCertificates(dir, `IP:${address}`);
  const deviceId = 'edge1';
  const deviceKey = randomKey();
  const home = path.join(dir, 'home');
  const cloud = new Cloud({ binary: cloudBinary, dir, hostname: address, certs,
    listen: { https: `${address}:443`, mqtts: `${address}:8883`, http: '127.0.0.1:0' } });
  fs.writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify({
    provisioning: { source: 'manual', device_connection_string: `HostName=${address};DeviceId=${deviceId};SharedAccessKey=${deviceKey}` },
    hostname: address,
    homedir: home,
    connect: { management_uri: `unix://${dir}/run/mgmt.sock`, workload_uri: `unix://${dir}/run/workload.sock` },
    runtime: 'process',
    log_level: 'debug',
    certificates: { trusted_ca_certs: certs.ca },
    // IoT Edge's agent image is outpost-agent by default (the daemon's images table); modules
    // here are shell commands.
    images: { 'test/shell:*': 'process:///bin/sh' },
  }, null, 2));
  const daemon = new Daemon('outpostd', outpostd, path.join(dir, 'config.yaml'), path.join(dir, 'outpostd-ready.json'),
                            path.join(dir, 'outpostd.log'));
  // The tests' cleanup: both stopped, the modules killed; on a failure the logs printed and the
  // folder kept, else removed.
  async function stopAndReport(failed) {
    try { await daemon.stop(); } catch (e) { console.log('stopping outpostd: ' + e); }
    try { await cloud.stop(); } catch (e) { console.log('stopping the cloud: ' + e); }
    killModules(home);
    if (!failed) return fs.rmSync(dir, { recursive: true, force: true });
    let agentLog = '';
    try { agentLog = fs.readFileSync(path.join(home, 'modules', 'edgeAgent', 'output.log'), 'utf8'); } catch (_) { /* none */ }
    console.log('outpostd log:\n' + daemon.log().slice(-4000) + '\nagent output:\n' + agentLog.slice(-4000) + '\nkept ' + dir);
  }
  return { address, certs, deviceId, deviceKey, home, cloud, daemon, stopAndReport };
}

module.exports = { edgeDeviceWithCloud, tempDir, makeCertificates, randomKey, sasToken, waitFor, withTimeout, Daemon, Hub, Cloud, randomLoopback, runSteps,
  killModules };
