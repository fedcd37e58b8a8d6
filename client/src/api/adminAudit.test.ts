import { describe, expect, it } from 'vitest';
import { auditCsvUrl } from './adminAudit.ts';

describe('audit export', () => {
  it('carries the same filters with format=csv', () => {
    expect(auditCsvUrl({})).toBe('/api/v1/admin/audit?format=csv');
    expect(auditCsvUrl({ actor: 'ada', action: 'shadow.request' })).toBe('/api/v1/admin/audit?format=csv&actor=ada&action=shadow.request');
  });
});
