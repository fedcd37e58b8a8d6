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
});
