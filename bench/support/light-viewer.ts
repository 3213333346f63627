import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../shared/protocol';

/**
 * A listen-only Socket.IO client speaking the wire protocol directly over a WebSocket (Engine.IO
 * v4, Socket.IO v5): it connects to the main namespace, answers pings, and notes when each
 * `change` event arrives and its sequence number, without parsing the rest of the message. A
 * thousand full socket.io-client instances in one process spend more time decoding JSON than the
 * server spends sending it, and the fan-out scenario would measure the clients.
 */
export interface LightViewer {
  close(): void;
}

/** Each change event's sequence number (in `change`, or each of a `changes` batch). */
const SEQ = /\{"kind":"group\.[a-z]+","seq":(\d+)/g;

export function openLightViewer(url: string, cookie: string | null, onChange: (seq: number, at: number) => void): Promise<LightViewer> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: cookie ? { cookie } : {},
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      if (text.startsWith('42')) {
        for (const match of text.matchAll(SEQ)) onChange(Number(match[1]), at);
      } else if (text === '2') ws.send('3');
      else if (text.startsWith('0')) ws.send(`40${JSON.stringify({ protocol: PROTOCOL_VERSION })}`);
      else if (text.startsWith('40')) resolve({ close: () => ws.close() });
      else if (text.startsWith('44')) reject(new Error(`refused: ${text.slice(2)}`));
    });
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('closed before connecting')));
  });
}

/** An ack as the bench needs it: whether it was ok, and its sequence number if any. */
export interface LightAck {
  ok: boolean;
  seq?: number;
}

/** A light client that also sends commands with acks (the ingest writers, the fan-out writer). */
export interface LightClient extends LightViewer {
  send(payload: unknown, timeoutMs?: number): Promise<LightAck>;
}

const ACK = /^43(\d+)\[/;
const ACK_SEQ = /"seq":(\d+)/;

/**
 * Like `openLightViewer`, and sends `command` events with acks (Socket.IO's `42<id>[...]` and
 * `43<id>[...]`), reading of each ack only `ok` and `seq`. The changes it receives are ignored
 * unparsed: 200 field sockets in one process, each fully decoding every report, measured the bench
 * process rather than the server.
 */
export function openLightClient(url: string, cookie: string | null): Promise<LightClient> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    headers: cookie ? { cookie } : {},
    perMessageDeflate: false,
  });
  const pending = new Map<number, (ack: LightAck) => void>();
  let nextId = 0;
  const client: LightClient = {
    close: () => ws.close(),
    send(payload, timeoutMs = 30_000) {
      const id = nextId++;
      return new Promise<LightAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error('ack timed out'));
        }, timeoutMs);
        pending.set(id, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        ws.send(`42${id}${JSON.stringify(['command', payload])}`);
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // The changes every field socket receives (an event, '42…', or a packed batch: its '45…'
      // header and its binary frame) are not even decoded to a string: at thousands of reports a
      // second that decoding alone was a large part of this process's time, and the bench measured itself.
      if (isBinary || (data[0] === 0x34 && (data[1] === 0x32 || data[1] === 0x35))) return;
      const text = data.toString();
      if (text.startsWith('43')) {
        const match = ACK.exec(text);
        if (!match) return;
        const id = Number(match[1]);
        const done = pending.get(id);
        if (!done) return;
        pending.delete(id);
        const body = text.slice(match[0].length);
        const seq = ACK_SEQ.exec(body.slice(0, 200));
        done({ ok: body.startsWith('{"ok":true'), ...(seq ? { seq: Number(seq[1]) } : {}) });
      } else if (text === '2') ws.send('3');
      // Like the app, it asks for big live batches packed (HandshakeAuth.packedLive).
      else if (text.startsWith('0')) ws.send(`40${JSON.stringify({ protocol: PROTOCOL_VERSION, packedLive: true })}`);
      else if (text.startsWith('40')) resolve(client);
      else if (text.startsWith('44')) reject(new Error(`refused: ${text.slice(2)}`));
    });
    ws.once('error', reject);
    ws.once('close', () => {
      for (const done of pending.values()) done({ ok: false });
      pending.clear();
      reject(new Error('closed'));
    });
  });
}
