// The baseline of `bench decide`: a node:http server that reads the body and answers a fixed
// 150-byte JSON document, doing nothing else. Prints its URL, then serves until killed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const doc = JSON.stringify({ decision: 'allow', reasons: [], decision_id: '00000000-0000-0000-0000-000000000000', wal: { seq: 1, hash: '0123456789abcdef0123456789abcd' } });
const body = Buffer.from(doc.padEnd(150, ' '));
const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
