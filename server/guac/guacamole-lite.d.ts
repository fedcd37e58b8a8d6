// Types for the two parts of guacamole-lite 1.2.0 (CommonJS, untyped) the gateway uses: the guacd
// side of a connection (handshake, instruction stream) and its token cipher. See guac-endpoint.ts
// for why the gateway uses these and not guacamole-lite's Server.
declare module 'guacamole-lite/lib/GuacdClient.js' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export interface GuacdLogger {
    log(level: number, ...args: unknown[]): void;
  }

  /** Settings of one connection: handshake arguments by name, plus width/height/dpi/audio/video/image/timezone. */
  export type GuacdSettings = Record<string, string | number | string[] | null | undefined>;

  /** Emits 'open' (guacd's `ready`), 'data' (one instruction, as text), 'close' (err?), 'error' (err). */
  export default class GuacdClient extends EventEmitter {
    constructor(guacdOptions: { host: string; port: number }, connectionSelector: string, settings: GuacdSettings, logger: GuacdLogger);
    readonly guacdConnection: Socket;
    /** guacd's id of this connection (set at `ready`); another connection may `join` it. */
    guacamoleConnectionId: string | null;
    send(data: string, afterOpened?: boolean): void;
    close(error?: Error): void;
  }
}

declare module 'guacamole-lite/lib/Crypt.js' {
  export default class Crypt {
    constructor(cypher: string, key: Buffer);
    encrypt(data: unknown): string;
    /** Throws on a token it cannot decrypt or parse. */
    decrypt(token: string): unknown;
  }
}
