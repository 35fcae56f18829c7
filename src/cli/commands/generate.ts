import { generate } from '../../generate/generate.ts';
import { createContext, type GlobalArgs } from '../context.ts';

export interface GenerateArgs extends GlobalArgs {
  rows: number;
  seed: number;
  scenario: string;
  startDate: string;
  badRows: number;
  target: boolean;
  facilities?: number;
  out: string;
}

/** `pipeline generate`: writes a synthetic file and prints its path and counts. */
export async function generateCommand(args: GenerateArgs): Promise<void> {
  const ctx = createContext(args);
  const res = await generate(ctx.config, {
    rows: args.rows,
    seed: args.seed,
    scenario: args.scenario,
    out: args.out,
    startDate: args.startDate,
    badRows: args.badRows,
    withTarget: args.target,
    facilities: args.facilities,
  });
  process.stdout.write(`${res.file}: ${res.rows} rows (${res.badRows} malformed), ${res.bytes} bytes\n`);
}
