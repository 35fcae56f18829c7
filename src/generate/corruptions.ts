import type { Contract, ContractColumn } from '../config/contract.ts';

/** One way to break one column: the raw text written instead of the good value, and what ingestion should say. */
export interface Corruption {
  column: string;
  kind: string;
  value: string;
}

function forColumn(c: ContractColumn, timeKind: Contract['timeKind']): Corruption[] {
  const k = (kind: string, value: string): Corruption => ({ column: c.name, kind, value });
  switch (c.role) {
    case 'id':
      return [k('missing_value', '')];
    case 'timestamp':
      return timeKind === 'integer' ? [k('bad_time', 'year?')] : [k('bad_time', '2024-13-45'), k('missing_value', '')];
    case 'categorical':
      return [k('unknown_level', 'Atlantis'), k('missing_value', '')];
    default: {
      const out = [k('not_a_number', 'n/a'), k('not_finite', 'NaN')];
      if (c.max !== undefined) out.push(k('above_max', String(c.max * 10 + 1)));
      if (c.min !== undefined) out.push(k('below_min', String(c.min - Math.max(1, Math.abs(c.min)) * 10)));
      return out;
    }
  }
}

/** Every corruption the bad-data mode can write, for the contract's columns (target last, and left out without target). */
export function corruptionsFor(contract: Contract, withTarget: boolean): Corruption[] {
  return contract.columns.filter((c) => withTarget || c.role !== 'target').flatMap((c) => forColumn(c, contract.timeKind));
}
