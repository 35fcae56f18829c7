import { expect } from 'chai';
import { parseExpression, SAFE_FUNCTIONS } from '../../../src/config/expression.ts';

const COLUMNS = new Set(['energy_mwh', 'renewable_share', 'temperature_c']);

function ok(text: string) {
  const res = parseExpression(text, COLUMNS);
  if (!res.ok) throw new Error(`expected '${text}' to parse: ${res.errors.join('; ')}`);
  return res.value;
}

function errors(text: string): string[] {
  const res = parseExpression(text, COLUMNS);
  if (res.ok) throw new Error(`expected '${text}' to be refused, got ${res.value.sql}`);
  return res.errors;
}

describe('config: derived-feature expressions', () => {
  it('quotes columns, keeps operators and numbers, and lists the columns read', () => {
    const v = ok('energy_mwh * (1 - renewable_share)');
    expect(v.sql).to.equal('("energy_mwh" * ( 1 - "renewable_share" ))');
    expect(v.columns).to.deep.equal(['energy_mwh', 'renewable_share']);
  });

  it('lists each column once', () => {
    expect(ok('energy_mwh / (energy_mwh + 1)').columns).to.deep.equal(['energy_mwh']);
  });

  it('accepts the safe functions, case-insensitively, with several arguments', () => {
    const v = ok('LN(energy_mwh + 1) + greatest(temperature_c, 0) - Pow(renewable_share, 2)');
    expect(v.sql).to.equal('(ln ( "energy_mwh" + 1 ) + greatest ( "temperature_c" , 0 ) - pow ( "renewable_share" , 2 ))');
    expect(v.columns).to.have.members(['energy_mwh', 'temperature_c', 'renewable_share']);
  });

  it('accepts decimal and exponent numbers and expressions without columns', () => {
    expect(ok('1.5e-3 * 2').sql).to.equal('(1.5e-3 * 2)');
    expect(ok('1.5e-3 * 2').columns).to.deep.equal([]);
  });

  it('names an unknown column and the columns that are allowed', () => {
    const errs = errors('energy_mwh * co2_tonnes');
    expect(errs).to.have.length(1);
    expect(errs[0]).to.equal("unknown column 'co2_tonnes' (expressions may use the contract's numeric columns: energy_mwh, renewable_share, temperature_c)");
  });

  it('refuses functions outside the safe list', () => {
    for (const fn of ['read_csv', 'system', 'random', 'getvariable', 'current_setting']) {
      const errs = errors(`${fn}(energy_mwh)`);
      expect(errs[0]).to.match(new RegExp(`^function '${fn}' is not allowed`));
    }
    expect(SAFE_FUNCTIONS.has('random')).to.equal(false);
  });

  it('reports every problem of one expression', () => {
    const errs = errors('foo(ghost) + bar');
    expect(errs).to.have.length(3);
    expect(errs[0]).to.match(/function 'foo'/);
    expect(errs[1]).to.match(/unknown column 'ghost'/);
    expect(errs[2]).to.match(/unknown column 'bar'/);
  });

  it('refuses characters that could leave the expression: quotes, semicolons, comparison, dots', () => {
    for (const [text, ch] of [
      ["energy_mwh; drop table raw_data", ';'],
      ["'x'", "'"],
      ['"energy_mwh"', '"'],
      ['energy_mwh = 1', '='],
      ['energy_mwh::varchar', ':'],
      ['raw_data.energy_mwh', '.'],
    ] as const) {
      const errs = errors(text);
      expect(errs[0], text).to.match(new RegExp(`^unexpected character '${ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
    }
  });

  it('cannot produce SQL comments from - and / tokens', () => {
    expect(ok('energy_mwh--1').sql).to.equal('("energy_mwh" - - 1)');
    // '/**/' is four operators in a row: not an expression, refused before any SQL is written.
    expect(errors('energy_mwh /**/ 2')[0]).to.match(/^expected a number, column, function or "\(" at '\*'/);
  });

  it('refuses what is not one arithmetic expression', () => {
    expect(errors('energy_mwh renewable_share')).to.deep.equal(["expected an operator at 'renewable_share' (token 2)"]);
    expect(errors('energy_mwh *')).to.deep.equal(['expected a number, column, function or "(" at the end']);
    expect(errors('()')).to.have.length(1);
    expect(errors('abs()')).to.have.length(1);
    expect(errors('energy_mwh, renewable_share')).to.deep.equal(["expected an operator at ',' (token 2)"]);
    expect(ok('-energy_mwh + abs(renewable_share) / 2').sql).to.equal('(- "energy_mwh" + abs ( "renewable_share" ) / 2)');
    expect(ok('least(energy_mwh, renewable_share, 1)').columns).to.deep.equal(['energy_mwh', 'renewable_share']);
  });

  it('refuses empty expressions and unbalanced parentheses', () => {
    expect(errors('')).to.deep.equal(['expression is empty']);
    expect(errors('   ')).to.deep.equal(['expression is empty']);
    expect(errors('(energy_mwh + 1')).to.deep.equal(['unbalanced parentheses']);
    expect(errors('energy_mwh + 1)')).to.deep.equal(['unbalanced parentheses']);
    expect(errors(')energy_mwh(')).to.include('unbalanced parentheses');
  });

  it('reports the position of an unexpected character', () => {
    expect(errors('energy_mwh$2')).to.deep.equal(["unexpected character '$' at position 11"]);
  });
});
