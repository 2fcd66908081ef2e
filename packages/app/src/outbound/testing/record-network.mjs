// Preload (`node --import`) that records every network attempt of a process, to prove what it does NOT
// do: TCP/TLS connects (net.Socket#connect, also used by undici, pg, tls), UDP sends, and every DNS query
// (dns.lookup, dns.resolve*, dns.promises, Resolver). One JSON line per attempt in $CITE_NET_RECORD.
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';

const file = process.env.CITE_NET_RECORD;
const record = (event) => {
  if (!file) return;
  try {
    fs.appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...event })}\n`);
  } catch {
    /* recording must never change the behaviour of the process under test */
  }
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') {
    if (first.path) record({ kind: 'ipc', path: String(first.path) });
    else record({ kind: 'connect', host: first.host ?? 'localhost', port: first.port });
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) record({ kind: 'ipc', path: first });
  else record({ kind: 'connect', host: typeof args[1] === 'string' ? args[1] : 'localhost', port: first });
  return connect.apply(this, args);
};

const send = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function (...args) {
  const address = args.find((a, i) => i > 0 && typeof a === 'string');
  record({ kind: 'udp', host: address ?? '(connected)' });
  return send.apply(this, args);
};

const wrap = (target, name, label) => {
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function (host, ...rest) {
    record({ kind: 'dns', fn: label, host: String(host) });
    return original.call(this, host, ...rest);
  };
};
for (const fn of ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolvePtr', 'resolveNaptr', 'resolveSoa', 'resolveCaa', 'reverse']) {
  wrap(dns, fn, `dns.${fn}`);
  wrap(dns.promises, fn, `dns.promises.${fn}`);
  wrap(dns.Resolver.prototype, fn, `Resolver.${fn}`);
  wrap(dns.promises.Resolver.prototype, fn, `promises.Resolver.${fn}`);
}
record({ kind: 'preload', argv: process.argv.slice(1, 3) });
