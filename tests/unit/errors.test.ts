import { expect } from 'chai';
import { ConfigError, errorMessage, ExitCode, InputError, LockedError, PipelineError, SqlError } from '../../src/errors.ts';

describe('errors', () => {
  it('documents distinct exit codes', () => {
    expect(ExitCode).to.deep.equal({ OK: 0, INTERNAL: 1, USAGE: 2, BAD_INPUT: 3, LOCKED: 4 });
    expect(new Set(Object.values(ExitCode)).size).to.equal(Object.keys(ExitCode).length);
  });

  it('gives each error class its exit code, name and details', () => {
    const cases: [PipelineError, number, string][] = [
      [new ConfigError('c', ['a: x', 'b: y']), 2, 'ConfigError'],
      [new InputError('i'), 3, 'InputError'],
      [new LockedError('l'), 4, 'LockedError'],
      [new SqlError('s', 'sql/x/y.sql'), 1, 'SqlError'],
    ];
    for (const [err, code, name] of cases) {
      expect(err).to.be.instanceOf(PipelineError);
      expect(err).to.be.instanceOf(Error);
      expect(err.exitCode, name).to.equal(code);
      expect(err.name).to.equal(name);
    }
    expect(cases[0][0].details).to.deep.equal(['a: x', 'b: y']);
    expect((cases[3][0] as SqlError).file).to.equal('sql/x/y.sql');
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
});
