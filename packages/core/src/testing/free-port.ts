import net from 'node:net';

/**
 * A loopback port free when asked: one the system just gave and took back. Nothing listens on it (a client
 * connecting is refused) until a test binds it (a server whose address must be known before it starts).
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
