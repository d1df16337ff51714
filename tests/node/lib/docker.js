// Docker for the end-to-end tests: the engine (started where none runs, else the test is
// skipped loudly with exit 77), Outpost's images from this build, test images made of host
// files FROM scratch (no registry is reachable here), networks of our own, and cleanup.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..', '..');

// Exits 77 (ctest's SKIP_RETURN_CODE for these tests) with the reason when no engine can start.
function engineOrSkip(what) {
  const engine = spawnSync(path.join(repo, 'scripts', 'start-dockerd'), { encoding: 'utf8' });
  if (engine.status === 0) return;
  console.log(`SKIPPED LOUDLY: ${what}: no Docker engine could start: ${engine.stderr}`);
  process.exit(77);
}

// outpost/<name>:latest from the binaries next to `binary` (packaging/docker/build-images).
function buildOutpostImages(binary, names = []) {
  execFileSync(path.join(repo, 'packaging', 'docker', 'build-images'), ['--bin', path.dirname(binary), ...names],
    { stdio: ['ignore', 'inherit', 'inherit'] });
}

// An image of host files: each program with the libraries `ldd` lists (at the same paths), and
// `copies` ([hostPath, imagePath], folders too); `entrypoint` as Docker's exec form.
function buildHostImage(tag, { programs = [], copies = [], entrypoint, workdir = '/' }) {
  const context = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-test-image-'));
  const root = path.join(context, 'root');
  const put = (from, to) => {
    fs.mkdirSync(path.dirname(path.join(root, to)), { recursive: true });
    execFileSync('cp', ['-a', '-L', from, path.join(root, to)]);
  };
  try {
    fs.mkdirSync(path.join(root, 'tmp'), { recursive: true, mode: 0o1777 });
    for (const program of programs) {
      put(program, program);
      const libs = execFileSync('ldd', [program], { encoding: 'utf8' }).match(/\/[^\s]+/g) || [];
      for (const lib of libs) if (fs.existsSync(lib)) put(lib, lib);
    }
    for (const [from, to] of copies) put(from, to);
    fs.writeFileSync(path.join(context, 'Dockerfile'),
      `FROM scratch\nCOPY root/ /\nWORKDIR ${workdir}\nENTRYPOINT ${JSON.stringify(entrypoint)}\n`);
    const built = spawnSync('docker', ['build', '-q', '-t', tag, context], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`docker build ${tag}: ${built.stderr}`);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

// A bridge network with a random 10.x.y.0/24 subnet; returns its gateway: this host, as the
// containers reach it (a cloud for them listens there).
function createNetwork(name) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const subnet = `10.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 250)}`;
    const made = spawnSync('docker', ['network', 'create', '--subnet', `${subnet}.0/24`, '--gateway', `${subnet}.1`, name],
      { encoding: 'utf8' });
    if (made.status === 0) return `${subnet}.1`;
  }
  throw new Error(`docker network create ${name} failed ten times (subnets in use?)`);
}

// What a device left on the engine: its containers (outpostd labels them with its homedir).
function removeDevice(home, network) {
  const listed = spawnSync('docker', ['ps', '-aq', '--filter', `label=net.outpost.instance=${home}`], { encoding: 'utf8' });
  const ids = (listed.stdout || '').split(/\s+/).filter(Boolean);
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids]);
  if (network) spawnSync('docker', ['network', 'rm', network]);
}

// What an earlier run left when it was killed before its cleanup (ctest's timeout does that):
// containers of test devices (their instance label is a folder under the temp folder) that
// carry one of `names`. The caller holds the docker_module_names lock, so no running test
// owns a container of these names.
function removeLeftovers(names) {
  const listed = spawnSync('docker', ['ps', '-a', '--filter', 'label=net.outpost.instance', '--format',
    '{{.ID}} {{.Names}} {{.Label "net.outpost.instance"}}'], { encoding: 'utf8' });
  const tmp = require('os').tmpdir() + '/';
  const ids = (listed.stdout || '').split('\n').map((l) => l.split(' ')).filter(([id, name, instance]) =>
    id && names.includes(name) && (instance || '').startsWith(tmp)).map(([id, name, instance]) => {
    console.log(`removing container ${name}, left by an earlier run (${instance})`);
    return id;
  });
  if (ids.length) spawnSync('docker', ['rm', '-f', ...ids]);
}

function containerLog(name, lines = 40) {
  const r = spawnSync('docker', ['logs', '--tail', String(lines), name], { encoding: 'utf8' });
  return (r.stdout || '') + (r.stderr || '');
}

module.exports = { engineOrSkip, buildOutpostImages, buildHostImage, createNetwork, removeDevice, removeLeftovers, containerLog };
