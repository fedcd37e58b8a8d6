import { describe, expect, it } from 'vitest';
import { agentCommand, shellQuote } from './agentCommand.ts';

describe('the agent enrollment command', () => {
  it('is the exact command line for the new host', () => {
    expect(agentCommand('https://vdi.example.com', 'dpe_Ab-9_x', 'rack2-node7')).toBe(
      'bin/deskport agent --gateway https://vdi.example.com --enroll dpe_Ab-9_x --name rack2-node7',
    );
  });

  it('quotes a name the shell would split or expand', () => {
    expect(shellQuote("Bob's host $HOME")).toBe(`'Bob'\\''s host $HOME'`);
    expect(agentCommand('http://127.0.0.1:8080', 't', 'lab 1')).toBe(
      "bin/deskport agent --gateway http://127.0.0.1:8080 --enroll t --name 'lab 1'",
    );
  });

  it('names the driver unless it is the default process driver', () => {
    expect(agentCommand('http://gw:8080', 't', 'vm1', 'qemu')).toBe(
      'bin/deskport agent --gateway http://gw:8080 --enroll t --name vm1 --driver qemu',
    );
    expect(agentCommand('http://gw:8080', 't', 'n1', 'process')).toBe('bin/deskport agent --gateway http://gw:8080 --enroll t --name n1');
  });
});
