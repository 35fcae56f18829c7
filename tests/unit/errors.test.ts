import { expect } from 'chai';
import { ConfigError, EnvironmentError, environmentFault, errorMessage, ExitCode, InputError, LockedError, PipelineError, SqlError } from '../../src/errors.ts';

describe('errors', () => {
  it('documents distinct exit codes', () => {
    expect(ExitCode).to.deep.equal({ OK: 0, INTERNAL: 1, USAGE: 2, BAD_INPUT: 3, LOCKED: 4, ENVIRONMENT: 5 });
    expect(new Set(Object.values(ExitCode)).size).to.equal(Object.keys(ExitCode).length);
  });

  it('gives each error class its exit code, name and details', () => {
    const cases: [PipelineError, number, string][] = [
      [new ConfigError('c', ['a: x', 'b: y']), 2, 'ConfigError'],
      [new InputError('i'), 3, 'InputError'],
      [new LockedError('l'), 4, 'LockedError'],
      [new EnvironmentError('e'), 5, 'EnvironmentError'],
      [new SqlError('s', 'sql/x/y.sql'), 1, 'SqlError'],
    ];
    for (const [err, code, name] of cases) {
      expect(err).to.be.instanceOf(PipelineError);
      expect(err).to.be.instanceOf(Error);
      expect(err.exitCode, name).to.equal(code);
      expect(err.name).to.equal(name);
    }
    expect(cases[0][0].details).to.deep.equal(['a: x', 'b: y']);
    expect((cases[4][0] as SqlError).file).to.equal('sql/x/y.sql');
  });

  it('keeps the cause', () => {
    const cause = new Error('root');
    expect(new InputError('wrapped', [], { cause }).cause).to.equal(cause);
  });

  it('errorMessage reads errors and anything else', () => {
    expect(errorMessage(new Error('x'))).to.equal('x');
    expect(errorMessage('plain')).to.equal('plain');
    expect(errorMessage(42)).to.equal('42');
  });

  describe('environmentFault', () => {
    const errno = (code: string, message: string, p?: string) => Object.assign(new Error(message), { code, path: p });

    it('names the fault, the path and what to do, for Node errno codes and DuckDB messages, through the cause chain', () => {
      const cases: [unknown, RegExp, RegExp][] = [
        [new SqlError('sql/ingest/insert_raw_data.sql: IO Error: Could not write file "/mnt/small/a.duckdb": No space left on device', 'x'), /^the disk is full: \/mnt\/small\/a\.duckdb/, /free space on the file system of \/mnt\/small\/a\.duckdb/],
        [errno('EACCES', "EACCES: permission denied, open '/srv/out.csv'", '/srv/out.csv'), /^permission denied: \/srv\/out\.csv/, /write access to \/srv\/out\.csv/],
        [new Error('IO Error: Cannot open file "/ro/db.duckdb": Read-only file system'), /^the file system is read-only: \/ro\/db\.duckdb/, /writable location/],
        [new Error('IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 2 in block at location 274432'), /^the database file is damaged/, /restore .* from a backup/],
        [new InputError('cannot read x.csv', [], { cause: errno('EIO', 'EIO: i/o error, read') }), /input\/output error/, /check the disk/],
        [new Error('outer', { cause: new Error('inner', { cause: errno('ENOSPC', 'ENOSPC: no space left on device, write') }) }), /^the disk is full/, /free space/],
        [new SqlError('sql/data_processing/design_sums.sql: Out of Memory Error: failed to allocate data of size 2.0 MiB (5.8 MiB/7.6 MiB used)', 'x'), /^DuckDB's buffer pool is full \(duckdb\.memory_limit in the config\)/, /raise duckdb\.memory_limit/],
        [new Error('TransactionContext Error: Failed to commit: could not allocate block of size 256.0 KiB (1.8 MiB/1.9 MiB used)'), /^DuckDB's buffer pool is full/, /nothing was committed/],
      ];
      for (const [err, message, todo] of cases) {
        const f = environmentFault(err);
        expect(f, errorMessage(err)).to.be.instanceOf(EnvironmentError);
        expect(f!.exitCode).to.equal(5);
        expect(f!.message).to.match(message);
        expect(f!.details.join('\n')).to.match(todo);
        expect(f!.cause).to.equal(err);
      }
    });

    it('leaves other errors alone: bugs, usage, bad input, locks', () => {
      for (const err of [new Error('Binder Error: column x not found'), new ConfigError('Permission denied is in the message but this is usage'), new LockedError('No space left on device'), new InputError('input file not found: a.csv'), 'a string']) {
        expect(environmentFault(err), errorMessage(err)).to.equal(null);
      }
    });
  });
});
