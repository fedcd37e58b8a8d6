import { describe, expect, it } from 'vitest';
import { createClipboardWithholder } from './clipboard-withhold.ts';
import { encodeInstruction as ins, InstructionError } from './instructions.ts';

describe('withholding the desktop clipboard from view-only displays', () => {
  it('drops a clipboard stream (its blobs and end) and passes everything else, whatever the chunks', () => {
    const img = ins('img', '3', '14', '0', 'image/png', '0', '0') + ins('blob', '3', 'iVBORw0K') + ins('end', '3');
    const clip = ins('clipboard', '4', 'text/plain') + ins('blob', '4', Buffer.from('secret ✓').toString('base64')) + ins('end', '4');
    const all = ins('sync', '1') + img + clip + ins('blob', '3', 'b3RoZXI=') + ins('sync', '2');
    for (const size of [1, 3, 7, all.length]) {
      const w = createClipboardWithholder();
      let out = '';
      let withheld = 0;
      for (let i = 0; i < all.length; i += size) {
        const r = w.filter(all.slice(i, i + size));
        out += r.text;
        withheld += r.withheld;
      }
      expect(out, `chunks of ${size}`).toBe(ins('sync', '1') + img + ins('blob', '3', 'b3RoZXI=') + ins('sync', '2'));
      expect(withheld).toBe(1);
    }
  });

  it('forgets an ended clipboard stream: guacd may reuse its index for an image', () => {
    const w = createClipboardWithholder();
    expect(w.filter(ins('clipboard', '4', 'text/plain') + ins('end', '4')).text).toBe('');
    const img = ins('img', '4', '14', '0', 'image/png', '0', '0') + ins('blob', '4', 'AAAA') + ins('end', '4');
    expect(w.filter(img).text).toBe(img);
  });

  it('refuses what is not Guacamole protocol', () => {
    expect(() => createClipboardWithholder().filter('4.sync,x;')).toThrow(InstructionError);
  });
});
