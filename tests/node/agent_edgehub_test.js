// The edge hub as a system module: outpostd boots outpost-agent, whose deployment runs
// outpost-hub (IoT Edge's edgeHub image, mapped by the daemon's images table) configured only
// by its environment — a server certificate for the device's host name and its $edgeHub
// tokens from the workload API, routes from its twin — and a module written with the official
// Node SDK (ModuleClient.fromEnvironment(), unchanged) whose output comes back to its input
// through the hub's routes.
//   cloud: outpostd provisioned against outpost-cloud; the deployment applied with the REST API
//          (applyConfigurationContent); $edgeAgent reports every module running; the hub's
//          upstream (signed by the workload API) carries the module's messages to the cloud.
//   local: no cloud process at all; the deployment applied with `outpost deployment apply`;
//          the hub learns the module's identity from outpostd; `outpost list` shows it running.
//   docker (cloud-docker, local-docker): the same with every module a container — the agent and
//          the hub from packaging/docker/build-images, the Node SDK module an image of node, the
//          SDK's packages and the script — on a network of the test's own whose gateway is the
//          cloud; the module dials the device's host name, which the hub's container answers to.
//   usage: node agent_edgehub_test.js cloud|local[-docker] <outpostd> <outpost> [<outpost-cloud>]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const h = require('./lib/harness');
const d = require('./lib/docker');

const [modeArg, outpostd, cli, cloudBinary] = process.argv.slice(2);
const [mode, runtime = 'process'] = modeArg.split('-');
const docker = runtime === 'docker';
if (process.getuid() !== 0) {
  // The hub listens on IoT Edge's 8883, which the SDK dials; CI and `make test` run as root.
  console.log(`SKIP agent/edgehub-${modeArg}: binding port 8883 needs root`);
  process.exit(0);
}
const dir = h.tempDir(`outpost-agent-edgehub-${modeArg}`);
const network = `outpost-edgehub-${process.pid}`;
const nodeImage = `outpost-test/node-sdk:${process.pid}`;
const echoOut = path.join(dir, 'echo-out');  // the containerised module's folder, bound at /out
if (docker) {
  d.engineOrSkip(`agent/edgehub-${modeArg}`);
  d.removeLeftovers(['edgeAgent', 'edgeHub', 'echo']);
  d.buildOutpostImages(outpostd, ['hub', 'agent']);
  d.buildHostImage(nodeImage, { programs: [process.execPath],
    copies: [[path.join(__dirname, 'node_modules'), '/app/node_modules'], [path.join(__dirname, 'lib', 'echo_module.js'), '/app/echo_module.js']],
    entrypoint: [process.execPath, '/app/echo_module.js'], workdir: '/app' });
  fs.mkdirSync(echoOut, { mode: 0o777 });
}
// Docker: a network whose gateway is this host as the containers see it (the cloud listens
// there); the device's host name is a DNS name, the hub container's alias on that network.
const networkGateway = docker ? d.createNetwork(network) : null;
const gateway = docker ? 'edge1.edgehub.local' : h.randomLoopback();  // the device's host name
const hubListen = docker ? '0.0.0.0' : gateway;
const deviceId = 'edge1';
const home = path.join(dir, 'home');
const configFile = path.join(dir, 'config.yaml');
const echoScript = path.join(__dirname, 'lib', 'echo_module.js');

let cloud = null;
const provisioning = { source: 'local', device_id: deviceId, iothub_hostname: 'hub.local' };
const config = {
  hostname: gateway, homedir: home, runtime, log_level: 'debug',
  connect: { management_uri: `unix://${dir}/run/mgmt.sock`, workload_uri: `unix://${dir}/run/workload.sock` },
  images: { 'node/sdk:*': docker ? nodeImage : `process://${process.execPath}` },
  ...(docker ? { moby_runtime: { uri: 'unix:///var/run/docker.sock', network } } : {}),
};
const deviceKey = h.randomKey();
if (mode === 'cloud') {
  const address = docker ? networkGateway : h.randomLoopback();
  const certs = h.makeCertificates(dir, `IP:${address}`);
  cloud = new h.Cloud({ binary: cloudBinary, dir, hostname: address, certs,
    listen: { https: `${address}:443`, mqtts: `${address}:8883`, amqps: `${address}:5671`, http: '127.0.0.1:0' } });
  config.provisioning = { source: 'manual', device_connection_string: `HostName=${address};DeviceId=${deviceId};SharedAccessKey=${deviceKey}` };
  config.certificates = { trusted_ca_certs: certs.ca };
} else {
  config.provisioning = provisioning;
}
fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
const daemon = new h.Daemon('outpostd', outpostd, configFile, path.join(dir, 'outpostd-ready.json'), path.join(dir, 'outpostd.log'));

const env = (vars) => Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { value: v }]));
const deployment = { modulesContent: {
  $edgeAgent: { 'properties.desired': { schemaVersion: '1.1',
    runtime: { type: 'docker', settings: { minDockerVersion: 'v1.25' } },
    systemModules: {
      edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.5' } },
      edgeHub: { type: 'docker', status: 'running', restartPolicy: 'always', startupOrder: 0,
        settings: { image: 'mcr.microsoft.com/azureiotedge-hub:1.5', createOptions: '{}' },
        env: env({ OUTPOST_HUB_LISTEN_MQTTS: `${hubListen}:8883`, OUTPOST_HUB_LISTEN_WSS: `${hubListen}:443`,
                   OUTPOST_HUB_LISTEN_AMQPS: `${hubListen}:5671`, OUTPOST_HUB_LISTEN_METRICS: `${hubListen}:9600` }) } },
    modules: {
      echo: { version: '1.0', type: 'docker', status: 'running', restartPolicy: 'always', startupOrder: 1,
        settings: { image: 'node/sdk:1', createOptions: JSON.stringify(docker
          ? { WorkingDir: '/out', HostConfig: { Binds: [`${echoOut}:/out`] } }  // the image runs the script
          : { Cmd: [echoScript] }) } } } } },
  $edgeHub: { 'properties.desired': { schemaVersion: '1.1',
    routes: { loop: 'FROM /messages/modules/echo/outputs/out1 INTO BrokeredEndpoint("/modules/echo/inputs/in1")',
              up: 'FROM /messages/modules/echo/outputs/* INTO $upstream' },
    storeAndForwardConfiguration: { timeToLiveSecs: 7200 } } } } };

const moduleResult = () => {
  const file = docker ? path.join(echoOut, 'result.json') : path.join(home, 'modules', 'echo', 'work', 'result.json');
  return fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8'));
};
const hubLog = () => {
  if (docker) return d.containerLog('edgeHub', 200);
  const file = path.join(home, 'modules', 'edgeHub', 'output.log');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(no hub log at ' + file + ')';
};
async function roundTrip() {
  const result = await h.waitFor('the Node SDK module to get its message back through the hub', moduleResult, 60000, 200);
  if (!result.ok) throw new Error('the module failed: ' + JSON.stringify(result) + '\nhub:\n' + hubLog().slice(-3000));
  console.log('     (came back: ' + JSON.stringify(result) + ')');
  if (result.received.from !== 'echo' || !(result.received.n >= 1)) throw new Error('came back: ' + JSON.stringify(result));
}

const cloudSteps = [
  ['outpost-cloud runs with the edge device registered and the deployment applied', async () => {
    await cloud.start();
    await cloud.registerEdgeDevice(deviceId, deviceKey, deployment);
  }],
  ['outpostd boots the agent, which runs edgeHub and echo and reports both running', async () => {
    await daemon.start();
    const reported = await h.waitFor('edgeHub and echo reported running', async () => {
      const r = await cloud.api('GET', `/twins/${deviceId}/modules/%24edgeAgent`);
      const rep = r.status === 200 ? r.body.properties.reported : {};
      const hub = rep.systemModules && rep.systemModules.edgeHub;
      const echo = rep.modules && rep.modules.echo;
      return hub && hub.runtimeStatus === 'running' && echo && echo.runtimeStatus === 'running' && rep;
    }, 60000, 200);
    if (reported.lastDesiredStatus.code !== 200) throw new Error('lastDesiredStatus ' + JSON.stringify(reported.lastDesiredStatus));
  }],
  ['the module\'s output comes back to its input through the hub\'s routes (from its twin)', roundTrip],
  ['the hub\'s upstream (tokens signed by the workload API) carries the module\'s messages to the cloud', async () => {
    await h.waitFor('echo\'s messages in the cloud', async () => {
      const r = await cloud.api('GET', `/events?from=start&deviceId=${deviceId}&limit=1000`);
      return r.status === 200 && r.body.events.length > 0;
    }, 30000, 200);
    const r = await cloud.api('GET', `/twins/${deviceId}/modules/%24edgeHub`);
    if (r.status !== 200 || r.body.connectionState !== 'Connected')
      throw new Error('$edgeHub is not connected to the cloud: ' + JSON.stringify(r.body) + '\nhub:\n' + hubLog().slice(-3000));
  }],
];

const localSteps = [
  ['outpostd boots the agent with no cloud; `outpost deployment apply` sets the deployment', async () => {
    await daemon.start();
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(deployment, null, 2));
    const out = execFileSync(cli, ['deployment', 'apply', path.join(dir, 'manifest.json'), '--config', configFile],
      { encoding: 'utf8' });
    if (!/handed to the agent/.test(out)) throw new Error('outpost deployment apply said: ' + out);
  }],
  ['the module\'s output comes back to its input through the hub (routes from the file, identity from outpostd)', roundTrip],
  ['`outpost list` shows edgeHub and echo running', async () => {
    const listed = await h.waitFor('both running in `outpost list`', () => {
      const out = execFileSync(cli, ['list', '--config', configFile], { encoding: 'utf8' });
      return /edgeHub\s+running/.test(out) && /echo\s+running/.test(out) && out;
    }, 20000, 200);
    console.log(listed.trimEnd().split('\n').map((l) => '     ' + l).join('\n'));
  }],
];

h.runSteps(`agent/edgehub-${modeArg}`, mode === 'cloud' ? cloudSteps : localSteps, async (failed) => {
  // Each step on its own: containers must go even when a stop fails.
  try { await daemon.stop(); } catch (e) { console.log('stopping outpostd: ' + e); }  // the agent stops its modules
  try { if (cloud) await cloud.stop(); } catch (e) { console.log('stopping the cloud: ' + e); }
  if (docker) {
    if (failed) console.log('echo:\n' + d.containerLog('echo'));
    d.removeDevice(home, network);
    require('child_process').spawnSync('docker', ['rmi', nodeImage]);
  } else {
    h.killModules(home);
  }
  if (failed) console.log('outpostd log:\n' + daemon.log().slice(-4000) + '\nhub log:\n' + hubLog().slice(-4000) + '\nkept ' + dir);
  else if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
});
