// Test plumbing, not SDK code: resolves the name `studio.test` to 127.0.0.1 for this Node process, as an
// /etc/hosts line would. The studio is then reached by a public-looking name, which the SDK's downloader
// accepts (it refuses localhost and private addresses by name).
const dns = require('dns');
const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (hostname !== 'studio.test') return original.apply(this, arguments);
  const cb = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all;
  process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
  return {};
};
