// Test-only `node --require` preload: resolves the host names listed in OUTPOST_TEST_HOSTS
// ("name=ip,name2=ip2") to those addresses in dns.lookup, so the unmodified Azure SDKs can
// dial a hub host name (https://<HostName>:443, mqtts://<HostName>:8883) that points at a
// loopback address on this machine. Everything else resolves as usual.
'use strict';
const dns = require('dns');

const table = new Map((process.env.OUTPOST_TEST_HOSTS || '').split(',').filter(Boolean).map((entry) => {
  const [name, ip] = entry.split('=');
  return [name.toLowerCase(), ip];
}));

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  const ip = typeof hostname === 'string' && table.get(hostname.toLowerCase());
  if (!ip) return original.call(dns, hostname, options, callback);
  const family = ip.includes(':') ? 6 : 4;
  const opts = typeof options === 'number' ? { family: options } : (options || {});
  process.nextTick(() => {
    if (opts.all) callback(null, [{ address: ip, family }]);
    else callback(null, ip, family);
  });
  return {};
};
