/**
 * A TCP proxy on a free loopback port that forwards to a target and can delay every chunk in
 * both directions, for fault tests: "a slow dependency" is the real Postgres or S3 behind it,
 * reached with added latency. The latency can be changed while connections are open, and
 * `dropConnections()` resets every open connection at once (a network blip).
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Milliseconds added to every chunk, each direction. */
  latencyMs: number;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(opts: { targetHost: string; targetPort: number; latencyMs?: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let opened = 0;
  const proxy = {
    host: '127.0.0.1',
    port: 0,
    latencyMs: opts.latencyMs ?? 0,
    get connections() { return opened; },
    dropConnections() { for (const s of open) s.destroy(); },
    close: () => new Promise<void>((resolve) => { proxy.dropConnections(); server.close(() => resolve()); }),
  };
  // Chunks are released in order: each waits for its own delay and for the chunk before it.
  const pipeDelayed = (from: Socket, to: Socket) => {
    let chain = Promise.resolve();
    from.on('data', (chunk) => {
      const delay = proxy.latencyMs;
      chain = chain.then(() => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined)).then(() => {
        if (!to.destroyed) to.write(chunk);
      });
    });
    from.on('end', () => { void chain.then(() => to.end()); });
  };
  const server = createServer((client) => {
    opened++;
    const upstream = createConnection({ host: opts.targetHost, port: opts.targetPort });
    open.add(client);
    open.add(upstream);
    const closeBoth = () => { client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream); };
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  proxy.port = typeof addr === 'object' && addr ? addr.port : 0;
  return proxy;
}
