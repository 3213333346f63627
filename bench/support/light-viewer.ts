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
