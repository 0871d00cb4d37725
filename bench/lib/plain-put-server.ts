// The baseline receiver for bench/edge.ts: a plain node:http server that writes each PUT body
// to a file and fsyncs it before answering. No signature, no hashing, no ledger.
import { createServer } from 'node:http';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

const dir = process.argv[2]!;
let n = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const write = async (): Promise<void> => {
      const fh = await open(join(dir, `seg-${n++}`), 'w');
      try {
        await fh.writeFile(Buffer.concat(chunks));
        await fh.sync();
      } finally {
        await fh.close();
      }
    };
    write().then(
      () => res.writeHead(201).end(),
      (e: unknown) => res.writeHead(500).end(String(e)),
    );
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
