import { ConfigError } from '../../errors.ts';
import type { GlobalArgs } from '../context.ts';

export interface RunArgs extends GlobalArgs {
  type: 'TRAINING_PIPELINE' | 'PREDICTION_PIPELINE';
  input?: string;
  output?: string;
  dryRun: boolean;
}

export async function runCommand(_args: RunArgs): Promise<void> {
  throw new ConfigError('pipeline run is not available yet');
}
