// How the agent's file errors reach the person: one HTTP status and code per cause, a message that says what to do.
import { describe, expect, it } from 'vitest';
import { decodeFileStreamFrame } from '../../contract/agent-v1-files.ts';
import { AgentError } from '../hub/connection.ts';
import { httpOfAgent } from './access.ts';

describe('file errors from the agent', () => {
  it('maps each cause to its status', () => {
    const of = (code: string) => httpOfAgent(new AgentError(code, 'x'));
    expect([of('symlink_refused').status, of('not_found').status, of('too_large').status, of('disk_full').status]).toEqual([
      403, 404, 413, 507,
    ]);
    expect([of('desktop_gone').status, of('no_such_desktop').code]).toEqual([409, 'desktop_gone']);
    expect([of('stalled').status, of('stalled').code]).toEqual([408, 'upload_stalled']);
    expect([of('agent_timeout').status, of('agent_timeout').code]).toEqual([503, 'host_unreachable']);
    expect([of('something_new').status, of('something_new').code]).toEqual([502, 'file_error']);
  });

  it('keeps the agent’s sentence, as a sentence', () => {
    expect(httpOfAgent({ code: 'desktop_gone', message: 'the desktop ended during the transfer' }).message).toBe(
      'The desktop ended during the transfer.',
    );
  });
});

describe('file stream frames', () => {
  it('decodes a header, an outcome and an error; refuses junk and oversize', () => {
    expect(decodeFileStreamFrame('{"type":"files.header","size":3,"modifiedAt":1}')).toMatchObject({ ok: true });
    expect(decodeFileStreamFrame('{"type":"files.stored","name":"a (1).txt","size":3}')).toMatchObject({ ok: true });
    expect(decodeFileStreamFrame('{"type":"files.error","code":"disk_full","message":"full"}')).toMatchObject({ ok: true });
    expect(decodeFileStreamFrame('{"type":"files.error","code":"Bad Code","message":""}')).toMatchObject({ ok: false });
    expect(decodeFileStreamFrame('{"type":"files.header","size":-1,"modifiedAt":1}')).toMatchObject({ ok: false });
    expect(decodeFileStreamFrame('nope')).toMatchObject({ ok: false });
    expect(decodeFileStreamFrame(`{"type":"files.stored","name":"${'a'.repeat(5000)}","size":1}`)).toMatchObject({ ok: false });
  });
});
