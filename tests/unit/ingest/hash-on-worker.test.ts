/**
 * A big file's checksum is computed on a worker thread while the scan reads it (src/ingest/csv-scan.ts): it must be
 * the SHA-256 of the file's bytes, as node:crypto computes it on the main thread, and a file that cannot be read must
 * reject, not hang.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashOnWorker } from '../../../src/ingest/csv-scan.ts';
import { useTmpDir } from '../../support/helpers.ts';

describe('ingest: the checksum computed on a worker thread', () => {
  const tmp = useTmpDir('mlp-hash-');

  for (const bytes of [0, 1, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 17]) {
    it(`is the SHA-256 of a file of ${bytes} bytes`, async () => {
      const file = path.join(tmp(), `f${bytes}.bin`);
      const data = randomBytes(bytes);
      writeFileSync(file, data);
      expect(await hashOnWorker(file).digest).to.equal(createHash('sha256').update(data).digest('hex'));
    });
  }

  it('rejects for a file that cannot be read', async () => {
    let caught: unknown;
    try {
      await hashOnWorker(path.join(tmp(), 'missing.csv')).digest;
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.match(/ENOENT|no such file/);
  });
});
