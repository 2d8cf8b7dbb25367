import { connect, type Socket } from 'node:net';

/**
 * Clients in a process of their own, as real ones are: given a URL and a
 * count, each opens a connection and sends the request; on 'abandon' they all
 * close their connections at once, as a closed tab does, and the process
 * says 'gone'. Plain sockets: leaving costs the clients next to nothing, so
 * what the bench times is the app's side of it.
 */
interface Ask {
  url: string;
  count: number;
}

process.once('message', ({ url, count }: Ask) => {
  const { hostname, port, pathname, search } = new URL(url);
  const request = `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`;
  const sockets: Socket[] = [];
  let connected = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), hostname, () => {
      socket.write(request);
      if (++connected === count) process.send!('asked');
    });
    socket.on('error', () => undefined);
    sockets.push(socket);
  }
  process.once('message', () => {
    sockets.forEach((socket) => socket.destroy());
    process.send!('gone');
  });
});
