// Where the audit sink writes: standard output, a file (appended, mode 0600), a UDP datagram per
// message, or one TCP connection (reconnected after a failure, at most once a second). A write
// resolves when the bytes are handed to the system, and rejects when they cannot be.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import type { AuditSinkConfig } from '../../config/load-config.ts';

export interface SinkTransport {
  /** Frames of a stream transport may be written together; a datagram transport takes one at a time. */
  readonly datagrams: boolean;
  write(data: string): Promise<void>;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;
const RETRY_AFTER_MS = 1000;

function stdoutTransport(): SinkTransport {
  return {
    datagrams: false,
    write: (data) => new Promise((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve()))),
    close: async () => {},
  };
}

function fileTransport(file: string): SinkTransport {
  let handle: Promise<fs.promises.FileHandle> | undefined;
  return {
    datagrams: false,
    write: async (data) => {
      handle ??= fs.promises.open(file, 'a', 0o600);
      try {
        await (await handle).appendFile(data);
      } catch (e) {
        // reopened at the next write: the file may have been rotated away or its disk freed
        const h = handle;
        handle = undefined;
        await h.then((x) => x.close()).catch(() => {});
        throw e;
      }
    },
    close: async () => {
      await (await handle?.catch(() => undefined))?.close();
    },
  };
}

function udpTransport(host: string, port: number): SinkTransport {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('error', () => {}); // each send reports its own failure
  socket.unref();
  return {
    datagrams: true,
    write: (data) => new Promise((resolve, reject) => socket.send(Buffer.from(data, 'utf8'), port, host, (e) => (e ? reject(e) : resolve()))),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

function tcpTransport(host: string, port: number): SinkTransport {
  let socket: net.Socket | undefined;
  let connecting: Promise<net.Socket> | undefined;
  let failedAt = -Infinity;
  const connect = (): Promise<net.Socket> => {
    if (socket && !socket.destroyed) return Promise.resolve(socket);
    if (Date.now() - failedAt < RETRY_AFTER_MS) return Promise.reject(new Error('the audit sink is unreachable; retrying shortly'));
    return (connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host, port });
      s.setNoDelay(true);
      s.unref();
      const timer = setTimeout(() => s.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        socket = s;
        resolve(s);
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        failedAt = Date.now();
        reject(e);
      });
      s.on('error', () => {});
      s.once('close', () => {
        if (socket === s) socket = undefined;
      });
    }).finally(() => {
      connecting = undefined;
    }));
  };
  return {
    datagrams: false,
    write: async (data) => {
      const s = await connect();
      await new Promise<void>((resolve, reject) =>
        s.write(data, (e) => {
          if (!e) return resolve();
          failedAt = Date.now();
          s.destroy();
          reject(e);
        }),
      );
    },
    close: async () => {
      const s = socket;
      socket = undefined;
      if (s && !s.destroyed) await new Promise<void>((resolve) => s.end(() => resolve()));
    },
  };
}

export function openTransport(target: AuditSinkConfig['target']): SinkTransport {
  switch (target.kind) {
    case 'stdout':
      return stdoutTransport();
    case 'file':
      return fileTransport(target.path);
    case 'udp':
      return udpTransport(target.host, target.port);
    case 'tcp':
      return tcpTransport(target.host, target.port);
  }
}
