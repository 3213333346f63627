import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OutputHold, type EngineSocket } from '../../server/socket/output-hold';

/** An engine.io socket as far as OutputHold reaches: a write buffer that `flush` empties into a TCP socket. */
function fakeSocket(withTcp = true) {
  const log: string[] = [];
  const buffer: string[] = [];
  const tcp = { cork: () => log.push('cork'), uncork: () => log.push('uncork') };
  const socket: EngineSocket & { send(packet: string): void; failWith: Error | null } = {
    failWith: null,
    transport: withTcp ? { socket: { _socket: tcp } } : {},
    // engine.io's sendPacket: buffer, then flush (which the hold replaces on the instance).
    send(packet: string) {
      buffer.push(packet);
      this.flush();
    },
    flush() {
      if (this.failWith) throw this.failWith;
      if (buffer.length > 0) log.push(`write ${buffer.splice(0).join('+')}`);
    },
  };
  return { socket, log };
}

function attached(...sockets: EngineSocket[]): OutputHold {
  return attachedReporting(() => {}, ...sockets);
}

function attachedReporting(onError: (error: unknown) => void, ...sockets: EngineSocket[]): OutputHold {
  const engine = new EventEmitter();
  const hold = new OutputHold(onError);
  hold.attach(engine);
  for (const socket of sockets) engine.emit('connection', socket);
  return hold;
}

describe('OutputHold', () => {
  it('writes what a run gave each socket once, corked, in the order it was given', () => {
    const a = fakeSocket();
    const b = fakeSocket();
    const hold = attached(a.socket, b.socket);
    hold.run(() => {
      a.socket.send('batch');
      b.socket.send('batch');
      a.socket.send('ack1');
      a.socket.send('ack2');
      expect(a.log).toEqual([]);
    });
    expect(a.log).toEqual(['cork', 'write batch+ack1+ack2', 'uncork']);
    expect(b.log).toEqual(['cork', 'write batch', 'uncork']);
  });

  it('writes at once outside a run, still corked', () => {
    const a = fakeSocket();
    attached(a.socket);
    a.socket.send('ping');
    expect(a.log).toEqual(['cork', 'write ping', 'uncork']);
  });

  it('releases when the work throws, and lets the error through', () => {
    const a = fakeSocket();
    const hold = attached(a.socket);
    expect(() =>
      hold.run(() => {
        a.socket.send('batch');
        throw new Error('publish failed');
      }),
    ).toThrow('publish failed');
    expect(a.log).toEqual(['cork', 'write batch', 'uncork']);
    // Not stuck holding: the next packet goes at once.
    a.socket.send('ack');
    expect(a.log.at(-2)).toBe('write ack');
  });

  it('releases only when the outermost run ends', () => {
    const a = fakeSocket();
    const hold = attached(a.socket);
    hold.run(() => {
      hold.run(() => a.socket.send('inner'));
      expect(a.log).toEqual([]);
      a.socket.send('outer');
    });
    expect(a.log).toEqual(['cork', 'write inner+outer', 'uncork']);
  });

  it('flushes plainly a socket with no TCP socket to cork (another transport)', () => {
    const a = fakeSocket(false);
    const hold = attached(a.socket);
    hold.run(() => a.socket.send('batch'));
    expect(a.log).toEqual(['write batch']);
  });

  it('still flushes the other sockets when one flush throws, and reports it', () => {
    const a = fakeSocket();
    const b = fakeSocket();
    const errors: unknown[] = [];
    const hold = attachedReporting((error) => errors.push(error), a.socket, b.socket);
    const broken = new Error('socket gone');
    hold.run(() => {
      a.socket.send('batch');
      b.socket.send('batch');
      // engine.io's own flush of `a` throws once the hold lets go of it.
      a.socket.failWith = broken;
    });
    expect(errors).toEqual([broken]);
    expect(a.log).toEqual(['cork', 'uncork']);
    expect(b.log).toEqual(['cork', 'write batch', 'uncork']);
  });
});
