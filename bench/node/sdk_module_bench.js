// The official Azure IoT Node SDK (azure-iot-device + azure-iot-device-mqtt, MQTT over TLS)
// in the scenario of outpost-sdk-bench (bench/sdk/sdk_module_bench.cpp), with the same
// options, body format and JSON line: module A's ModuleClient.sendOutputEvent → a route on
// the hub → module B's 'inputMessage' handler, both modules in this process.
//
//   node bench/node/sdk_module_bench.js --sender-cs "HostName=…;ModuleId=A;…;GatewayHostName=127.0.0.1:8883"
//        --receiver-cs "…;ModuleId=B;…" --ca ca.pem [--output out] [--input in]
//        [--rate 1000 (0: max)] [--seconds 10] [--size 256] [--window 100] [--drain 10] [--warmup 0]
//   two processes: --role receive --tag T --receiver-cs CS [--ready-file F] ..., then
//                  --role send --tag T --sender-cs CS ...   (as outpost-sdk-bench)
//
// --window: sends whose promise is not settled yet (the SDK has no in-flight limit of its
// own: MQTT.js publishes at once). At a fixed rate the sends are paced by a timer loop
// (Node's timers have 1 ms granularity: what is due is sent at each tick).
// The SDK is loaded from tests/node/node_modules (npm ci there), or OUTPOST_NODE_MODULES.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const modulesDir = process.env.OUTPOST_NODE_MODULES || path.resolve(__dirname, '../../tests/node/node_modules');
const sdkRequire = createRequire(path.join(modulesDir, '..', 'package.json'));
const { ModuleClient, Message } = sdkRequire('azure-iot-device');
const { Mqtt } = sdkRequire('azure-iot-device-mqtt');
const sdkVersion = sdkRequire('azure-iot-device/package.json').version;
const mqttVersion = sdkRequire('azure-iot-device-mqtt/package.json').version;
const sdkName = `azure-iot-device ${sdkVersion} + azure-iot-device-mqtt ${mqttVersion} (Node ${process.version})`;

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--help' || k === '-h') {
      console.log('usage: node sdk_module_bench.js --sender-cs CS --receiver-cs CS [--ca FILE] [--output out] [--input in]\n' +
                  '       [--rate 1000 (0: max)] [--seconds 10] [--size 256] [--window 100] [--drain 10] [--warmup 0]\n' +
                  '       [--role both|send|receive --tag T [--ready-file F]]');
      process.exit(0);
    }
    if (!k.startsWith('--') || i + 1 >= argv.length) {
      console.error(`sdk_module_bench: expected --option value, got ${k}`);
      process.exit(2);
    }
    o[k.slice(2)] = argv[++i];
  }
  return o;
}

const o = parseArgs(process.argv.slice(2));
const role = o.role || 'both';
const sends = role === 'both' || role === 'send';
const receives = role === 'both' || role === 'receive';
if ((!sends && !receives) || (sends && !o['sender-cs']) || (receives && !o['receiver-cs']) || (role !== 'both' && !o.tag)) {
  console.error('sdk_module_bench: --sender-cs and --receiver-cs are required, and --tag with --role (see --help)');
  process.exit(2);
}
const output = o.output || 'out';
const input = o.input || 'in';
const rate = Number(o.rate ?? 1000);
const seconds = Number(o.seconds ?? 10);
const size = Math.max(Number(o.size ?? 256), 48);
const windowSize = Number(o.window ?? 100);
const drainSeconds = Number(o.drain ?? 10);
const warmupCount = Number(o.warmup ?? 0);
const ca = o.ca ? fs.readFileSync(o.ca, 'utf8') : undefined;

const nowNs = () => process.hrtime.bigint();  // CLOCK_MONOTONIC, as steady_clock in the C++ bench
const randomTag = () => crypto.randomBytes(4).toString('hex');
function makeBody(tag, seq, sentNs) {
  const head = `${tag}:${seq}:${sentNs}:`;
  return Buffer.from(head.length < size ? head + 'x'.repeat(size - head.length) : head);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const contextSwitches = () => { const u = process.resourceUsage(); return u.voluntaryContextSwitches + u.involuntaryContextSwitches; };
const r1 = (x) => Math.round(x * 10) / 10;

// B's side.
const rx = { tag: '', warmTag: 'warm' + randomTag(), endTag: (o.tag || '') + 'end', warm: false, expected: undefined,
             seen: new Uint8Array(1 << 20), latencyNs: [], unique: 0, duplicates: 0, stale: 0, malformed: 0,
             firstNs: 0n, lastNs: 0n };
function onInput(msg) {
  const received = nowNs();
  const text = msg.data.toString('latin1', 0, Math.min(msg.data.length, 64));
  const parts = text.split(':');
  if (parts.length < 4) { rx.malformed++; return; }
  const [tag, seqText, sentText] = parts;
  if (tag === rx.warmTag) { rx.warm = true; return; }
  if (tag === rx.endTag) { rx.expected = Number(seqText); return; }
  if (!rx.tag || tag !== rx.tag) { rx.stale++; return; }
  const seq = Number(seqText);
  if (seq >= rx.seen.length) { const bigger = new Uint8Array(Math.max(seq + 1, rx.seen.length * 2)); bigger.set(rx.seen); rx.seen = bigger; }
  if (rx.seen[seq]) { rx.duplicates++; return; }
  rx.seen[seq] = 1;
  rx.unique++;
  if (seq >= warmupCount) {
    if (rx.firstNs === 0n) rx.firstNs = received;
    rx.lastNs = received;
    rx.latencyNs.push(Number(received - BigInt(sentText)));
  }
}

function receiveFields(expected) {
  const lat = rx.latencyNs.sort((x, y) => x - y);
  const pct = (q) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] / 1000 : 0);
  const span = Number(rx.lastNs - rx.firstNs) / 1e9;
  return {
    received: rx.unique, lost: Math.max(0, expected - rx.unique), duplicates: rx.duplicates, stale: rx.stale,
    malformed: rx.malformed, throughput_msg_s: r1(span > 0 ? lat.length / span : 0),
    latency_us: { p50: r1(pct(0.5)), p90: r1(pct(0.9)), p99: r1(pct(0.99)), max: r1(pct(1.0)) },
  };
}

function processFields(cpu, switches, messages, disconnects, firstError) {
  const n = messages || 1;
  return { disconnects, cpu_s: Math.round(cpu * 1000) / 1000, cpu_us_per_msg: r1((cpu * 1e6) / n),
           switches_per_msg: Math.round((switches / n) * 100) / 100, max_rss_kb: process.resourceUsage().maxRSS,
           first_error: firstError };
}

async function openModule(cs) {
  const client = ModuleClient.fromConnectionString(cs, Mqtt);
  if (ca) await client.setOptions({ ca });
  await client.open();
  return client;
}

// Sends for `seconds` (at `rate`/s, or as fast as the window allows) and waits for every ack.
async function sendAll(a, tag) {
  const st = { sent: 0, acked: 0, sendErrors: 0, ackErrors: 0, lateSends: 0, maxBehindMs: 0, firstError: '' };
  let outstanding = 0;
  let wakeSender = null;
  let acksDone;
  const allAcked = new Promise((r) => { acksDone = r; });
  let sendingDone = false;
  const settled = () => {
    outstanding--;
    if (wakeSender) { const w = wakeSender; wakeSender = null; w(); }
    if (sendingDone && outstanding === 0) acksDone();
  };
  const start = nowNs();
  const endNs = start + BigInt(Math.round(seconds * 1e9));
  const count = rate > 0 ? Math.floor(rate * seconds) : Infinity;
  const periodNs = rate > 0 ? 1e9 / rate : 0;
  for (let seq = 0; seq < count; seq++) {
    if (rate > 0) {
      const due = start + BigInt(Math.round(seq * periodNs));
      const now = nowNs();
      if (due > now) {
        const ms = Number(due - now) / 1e6;
        if (ms >= 1) await sleep(Math.floor(ms));
        // else: due within the millisecond, sent at this tick
      } else if (now - due > 1000000n) {
        st.lateSends++;
        st.maxBehindMs = Math.max(st.maxBehindMs, Number(now - due) / 1e6);
      }
    } else if (nowNs() >= endNs) {
      break;
    }
    while (outstanding >= windowSize) await new Promise((r) => { wakeSender = r; });
    let p;
    try {
      p = a.sendOutputEvent(output, new Message(makeBody(tag, seq, nowNs())));
    } catch (e) {
      st.sendErrors++;
      if (!st.firstError) st.firstError = String(e && e.message);
      continue;
    }
    st.sent++;
    outstanding++;
    p.then(() => { st.acked++; }, (e) => { st.ackErrors++; if (!st.firstError) st.firstError = String(e && e.message); })
      .finally(settled);
    // Let I/O run now and then when sends never wait (max rate with a wide window).
    if (rate === 0 && (seq & 63) === 63) await new Promise((r) => setImmediate(r));
  }
  st.seconds = Number(nowNs() - start) / 1e9;
  sendingDone = true;
  if (outstanding > 0) await allAcked;
  const span = Number(nowNs() - start) / 1e9;
  st.ackedMsgS = span > 0 ? st.acked / span : 0;
  return st;
}

async function main() {
  let disconnects = 0;
  const watch = (name, c) => {
    c.on('disconnect', () => { disconnects++; console.error(`sdk_module_bench: ${name} disconnected`); });
    c.on('error', (e) => console.error(`sdk_module_bench: ${name} error: ${e && e.message}`));
  };
  let b;
  if (receives) {
    b = await openModule(o['receiver-cs']);
    b.on('inputMessage', (inputName, msg) => {
      if (inputName === input) onInput(msg);
      b.complete(msg, () => {});
    });
    watch('receiver', b);
  }

  if (role === 'receive') {
    rx.tag = o.tag;
    await sleep(500);  // the SDK subscribes to inputs in the background
    if (o['ready-file']) fs.writeFileSync(o['ready-file'], 'ready\n');
    const cpu0 = cpuSeconds();
    const switches0 = contextSwitches();
    const giveUp = Date.now() + (seconds + 60) * 1000;
    while (rx.expected === undefined && Date.now() < giveUp) await sleep(5);
    if (rx.expected === undefined) console.error('sdk_module_bench: no end marker from the sender');
    const drainUntil = Date.now() + drainSeconds * 1000;
    while (rx.expected !== undefined && rx.unique < rx.expected && Date.now() < drainUntil) await sleep(5);
    const cpu = cpuSeconds() - cpu0;
    const switches = contextSwitches() - switches0;
    const expected = rx.expected || 0;
    await b.close();
    console.log(JSON.stringify({ tool: 'sdk_module_bench.js', sdk: sdkName, role, mode: rate > 0 ? 'rate' : 'max', rate,
                                 expected, ...receiveFields(expected), ...processFields(cpu, switches, rx.unique, disconnects, '') }));
    process.exit(expected > 0 && rx.unique >= expected ? 0 : 1);
  }

  const a = await openModule(o['sender-cs']);
  watch('sender', a);
  let tag = o.tag;
  if (role === 'both') {
    // Warm-up: until one message went all the way.
    const warmDeadline = Date.now() + 30000;
    for (let n = 0; !rx.warm; n++) {
      if (Date.now() > warmDeadline) throw new Error(`no warm-up message reached ${input} within 30 s`);
      await a.sendOutputEvent(output, new Message(makeBody(rx.warmTag, n, nowNs())));
      for (let i = 0; i < 20 && !rx.warm; i++) await sleep(10);
    }
    tag = rx.tag = randomTag();
  }

  const cpu0 = cpuSeconds();
  const switches0 = contextSwitches();
  const st = await sendAll(a, tag);
  if (role === 'send') {
    try {
      await a.sendOutputEvent(output, new Message(makeBody(tag + 'end', st.sent, 0)));
    } catch (e) {
      console.error('sdk_module_bench: the end marker failed: ' + (e && e.message));
    }
  } else {
    const drainUntil = Date.now() + drainSeconds * 1000;
    while (rx.unique < st.sent && Date.now() < drainUntil) await sleep(5);
  }
  const cpu = cpuSeconds() - cpu0;
  const switches = contextSwitches() - switches0;
  await a.close();
  if (b) await b.close();

  const result = {
    tool: 'sdk_module_bench.js', sdk: sdkName, role, mode: rate > 0 ? 'rate' : 'max', rate, seconds: st.seconds, size,
    window: windowSize, outstanding: windowSize, sent: st.sent, acked: st.acked, send_errors: st.sendErrors,
    ack_errors: st.ackErrors,
  };
  if (role === 'both') Object.assign(result, receiveFields(st.sent));
  result.acked_msg_s = r1(st.ackedMsgS);
  result.late_sends = st.lateSends;
  result.max_behind_ms = Math.round(st.maxBehindMs * 100) / 100;
  Object.assign(result, processFields(cpu, switches, role === 'both' ? rx.unique : st.acked, disconnects, st.firstError));
  console.log(JSON.stringify(result));
  const complete = role === 'send' || rx.unique >= st.sent;
  process.exit(complete && st.sendErrors === 0 && st.ackErrors === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error('sdk_module_bench: ' + (e && e.stack ? e.stack : e));
  process.exit(3);
});
